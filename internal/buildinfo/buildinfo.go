// Package buildinfo fills in the version information that a release build
// stamps with -ldflags (make build, the Dockerfile) when a build did not:
// go run, go install and a plain go build. It reads what the go command
// recorded in the binary (runtime/debug.ReadBuildInfo) and says "unknown"
// where nothing was recorded, so the landing page, --version and
// ehpc_serverless_exporter_build_info never show a blank that looks like a
// value.
//
// What each build reports:
//
//	                              version             revision                   build date
//	make build, docker build      the stamped ones, untouched
//	go build in a git checkout    v0.0.0-<time>-<rev> <commit>[-modified]        <commit time> (commit time)
//	go install ...@v1.2.3         v1.2.3              unknown                    unknown
//	go run, -buildvcs=false       (devel)             unknown                    unknown
//
// go run never records version control information, and -buildvcs=false
// (which CI sets) turns it off for every build; "(devel)" is the go
// command's own word for a build of the working tree without it. The go
// command never records the branch or who built, so those are "unknown".
package buildinfo

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// Unknown stands for what the build did not record.
const Unknown = "unknown"

// Info is the version information of a build.
type Info struct {
	Version   string
	Revision  string
	Branch    string
	BuildUser string
	BuildDate string
}

// FromBuildInfo is what the go command recorded in bi; ok is
// debug.ReadBuildInfo's second result (false in a binary built without
// module support).
func FromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	info := Info{Version: "(devel)", Revision: Unknown, Branch: Unknown, BuildUser: Unknown, BuildDate: Unknown}
	if !ok || bi == nil {
		return info
	}
	if v := bi.Main.Version; v != "" {
		info.Version = v
	}
	var rev, modified, date string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			date = s.Value
		}
	}
	if rev != "" {
		info.Revision = rev
		// The suffix prometheus/common/version uses for the same case.
		if modified == "true" {
			info.Revision += "-modified"
		}
	}
	// The go command records when the commit was made, not when the binary
	// was built; the label keeps the one from passing for the other.
	if date != "" {
		info.BuildDate = date + " (commit time)"
	}
	return info
}

// Stamp fills each of prometheus/common/version's variables that -ldflags
// left empty from the running binary's build information. Call it once at
// the start of main, before anything reads them.
func Stamp() {
	apply(FromBuildInfo(debug.ReadBuildInfo()))
}

func apply(info Info) {
	for _, f := range []struct {
		v        *string
		fallback string
	}{
		{&version.Version, info.Version},
		{&version.Revision, info.Revision},
		{&version.Branch, info.Branch},
		{&version.BuildUser, info.BuildUser},
		{&version.BuildDate, info.BuildDate},
	} {
		if *f.v == "" {
			*f.v = f.fallback
		}
	}
}
