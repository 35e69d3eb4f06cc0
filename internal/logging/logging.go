// Package logging builds the exporter's go-kit logger from the usual
// --log.level and --log.format flags, and a log/slog view of the same logger
// for libraries (the exporter toolkit) that take a *slog.Logger, so that every
// line goes out in one format through one writer.
package logging

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	sloggokit "github.com/tjhop/slog-gokit"
)

// Levels and Formats are the accepted flag values.
var (
	Levels  = []string{"debug", "info", "warn", "error"}
	Formats = []string{"logfmt", "json"}
)

// New returns a leveled go-kit logger writing to w, and a slog logger that
// writes through it.
func New(w io.Writer, lvl, format string) (log.Logger, *slog.Logger, error) {
	var logger log.Logger
	switch format {
	case "logfmt", "":
		logger = log.NewLogfmtLogger(log.NewSyncWriter(w))
	case "json":
		logger = log.NewJSONLogger(log.NewSyncWriter(w))
	default:
		return nil, nil, fmt.Errorf("unknown log format %q (want logfmt or json)", format)
	}
	var allow level.Option
	var slogLevel slog.Level
	switch lvl {
	case "debug":
		allow, slogLevel = level.AllowDebug(), slog.LevelDebug
	case "info", "":
		allow, slogLevel = level.AllowInfo(), slog.LevelInfo
	case "warn":
		allow, slogLevel = level.AllowWarn(), slog.LevelWarn
	case "error":
		allow, slogLevel = level.AllowError(), slog.LevelError
	default:
		return nil, nil, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", lvl)
	}
	// Caller depth 5 skips go-kit's own frames (With, the level filter and
	// the level helper), so caller= names the line that logged.
	// The slog view writes to the bare logger: its handler adds level, caller
	// and time itself, from the record, and filters by slogLevel.
	slogger := slog.New(sloggokit.NewGoKitHandler(logger, slogLevel))
	logger = log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.Caller(5))
	return level.NewFilter(logger, allow), slogger, nil
}
