package collector

import (
	"bufio"
	"io"
	"sync"
)

// A scrape writes, family by family in table order, the header and then every
// job's pre-rendered fragment in key order. Nothing is derived from the API's
// data here; only the store-wide counts are computed, and they are a single
// pass over the jobs.

var (
	viewPool   = sync.Pool{New: func() any { return new([]*rendered) }}
	bufioPool  = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}
	aggregPool = sync.Pool{New: func() any { return new(sampleWriter) }}
)

// scrapeView is what the store-wide rows of one scrape see: every job, and
// how many series of each cluster's jobs metrics.max_series left out.
type scrapeView struct {
	jobs    []*rendered
	owners  aggView // the aggregate-only families' counts
	dropped map[string]int
}

// WriteTo writes the text exposition of every job family to w.
func (s *Store) WriteTo(w io.Writer) (int64, error) {
	if bw, ok := w.(*bufio.Writer); ok {
		n, _, err := s.writeExposition(bw, nil)
		if err == nil {
			err = bw.Flush()
		}
		return n, err
	}
	bw := bufioPool.Get().(*bufio.Writer)
	bw.Reset(w)
	n, _, err := s.writeExposition(bw, nil)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	bufioPool.Put(bw)
	return n, err
}

// writeExposition writes the job families sel has to bw (without flushing
// it) and returns the renderer whose families were written, so the caller
// can tell which family names the store owns in this very scrape.
func (s *Store) writeExposition(bw *bufio.Writer, sel *selection) (int64, *renderer, error) {
	vp := viewPool.Get().(*[]*rendered)
	jobs, owners, r := s.view((*vp)[:0])
	defer func() {
		clear(jobs) // do not keep deleted snapshots alive through the pool
		*vp = jobs[:0]
		viewPool.Put(vp)
	}()

	shown, dropped := capSeries(jobs, r.maxSeries)
	v := scrapeView{jobs: jobs, owners: owners, dropped: dropped}

	var total int64
	write := func(b []byte) error {
		n, err := bw.Write(b)
		total += int64(n)
		return err
	}
	for i := range r.families {
		f := &r.families[i]
		if !sel.has(f.name) {
			continue
		}
		if f.agg != nil {
			if err := writeAggregate(f, &v, write); err != nil {
				return total, r, err
			}
			continue
		}
		// Empty families get no header: a HELP/TYPE pair with no samples
		// is noise, and parsers drop it anyway.
		wroteHeader := false
		for _, rd := range shown {
			frag := rd.fragment(f.slot)
			if len(frag) == 0 {
				continue
			}
			if !wroteHeader {
				if err := write(f.header); err != nil {
					return total, r, err
				}
				wroteHeader = true
			}
			if err := write(frag); err != nil {
				return total, r, err
			}
		}
	}
	return total, r, nil
}

func writeAggregate(f *enabledFamily, v *scrapeView, write func([]byte) error) error {
	w := aggregPool.Get().(*sampleWriter)
	defer aggregPool.Put(w)
	w.buf, w.prefix, w.name, w.labels = w.buf[:0], nil, f.name, f.tokens
	f.agg(v, w)
	if len(w.buf) == 0 {
		return nil
	}
	if err := write(f.header); err != nil {
		return err
	}
	return write(w.buf)
}
