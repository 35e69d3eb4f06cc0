package collector

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	// A drop-in for compress/gzip that compresses the ~90 MB exposition of
	// 10,000 jobs in about 60% of the time (docs/PERFORMANCE.md).
	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// contentType is the text exposition format, version 0.0.4, which every
// Prometheus server and most other scrapers accept.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// Handler serves /metrics: the job families from store, then the families of
// gatherer (the exporter's own registry: build info, API counters, go_ and
// process_ metrics), skipping any family name the store already owns so a name
// never appears twice. The answer is gzip-compressed (fastest level) when the
// client accepts it. gatherer and logger may be nil.
func Handler(store *Store, gatherer prometheus.Gatherer, logger log.Logger) http.Handler {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	return &metricsHandler{store: store, gatherer: gatherer, logger: logger}
}

type metricsHandler struct {
	store    *Store
	gatherer prometheus.Gatherer
	logger   log.Logger
}

func (h *metricsHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	sel, err := parseSelection(req.URL.Query())
	if err != nil {
		http.Error(w, badSelection(err), http.StatusBadRequest)
		return
	}
	// Gather first: it can fail, and the headers are not yet sent.
	var own []*dto.MetricFamily
	if h.gatherer != nil {
		mfs, err := h.gatherer.Gather()
		if err != nil {
			// Job data matters more than the exporter's own metrics; serve
			// what could be gathered and say what went wrong.
			level.Warn(h.logger).Log("msg", "gathering the exporter's own metrics failed; serving the rest", "err", err)
		}
		own = mfs
	}

	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Add("Vary", "Accept-Encoding")
	var out io.Writer = w
	var gz *gzip.Writer
	if acceptsGzip(req.Header.Get("Accept-Encoding")) {
		hdr.Set("Content-Encoding", "gzip")
		gz = gzipPool.Get().(*gzip.Writer)
		gz.Reset(w)
		out = gz
	}
	bw := bufioPool.Get().(*bufio.Writer)
	bw.Reset(out)

	err = h.write(bw, own, sel)
	if err == nil {
		err = bw.Flush()
	}
	if gz != nil {
		if cerr := gz.Close(); err == nil {
			err = cerr
		}
		gz.Reset(nil)
		gzipPool.Put(gz)
	}
	bw.Reset(nil)
	bufioPool.Put(bw)
	if err != nil {
		// Almost always a scraper that went away mid-answer.
		level.Debug(h.logger).Log("msg", "writing /metrics failed", "err", err)
	}
}

func (h *metricsHandler) write(bw *bufio.Writer, own []*dto.MetricFamily, sel *selection) error {
	owns := func(string) bool { return false }
	if h.store != nil {
		_, r, err := h.store.writeExposition(bw, sel)
		if err != nil {
			return err
		}
		owns = r.owns
	}
	for _, mf := range own {
		if !sel.has(mf.GetName()) {
			continue
		}
		if owns(mf.GetName()) {
			level.Debug(h.logger).Log("msg", "skipping a registry family the job store already serves", "family", mf.GetName())
			continue
		}
		if _, err := expfmt.MetricFamilyToText(bw, mf); err != nil {
			return err
		}
	}
	return nil
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip (an entry
// "gzip" or "*" whose q is not 0).
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}
