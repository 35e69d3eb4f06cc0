package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scraper reads /metrics as Prometheus does. Compression is handled by hand
// so that the time measured is the time to receive the bytes as sent.
type scraper struct {
	client *http.Client
	url    string
}

func newScraper(base string) *scraper {
	return &scraper{
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 2},
		},
		url: base + "/metrics",
	}
}

// scrape is one answer of /metrics.
type scrape struct {
	Took     time.Duration // request sent to last byte received
	WireSize int           // bytes received
	Body     []byte        // decompressed exposition
}

func (s *scraper) get(ctx context.Context, gz bool) (*scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "identity")
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	out := &scrape{Took: took, WireSize: len(raw), Body: raw}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("GET /metrics: gzip: %w", err)
		}
		if out.Body, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("GET /metrics: gzip: %w", err)
		}
	} else if gz {
		return nil, fmt.Errorf("GET /metrics: asked for gzip, got %q", resp.Header.Get("Content-Encoding"))
	}
	return out, nil
}

// latencies are the durations of a series of scrapes.
type latencies []time.Duration

// quantile is the nearest-rank quantile q of the durations.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// seriesCount is the number of samples in an exposition.
func seriesCount(body []byte) int {
	n := 0
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if len(line) > 0 && line[0] != '#' {
			n++
		}
	}
	return n
}

// sample is one line of the exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// samplesOf parses the samples whose metric name starts with prefix. The
// exposition comes from the exporter under test, so a line that does not
// parse is an error worth reporting.
func samplesOf(body []byte, prefix string) ([]sample, error) {
	var out []sample
	for line := range strings.SplitSeq(string(body), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSample(line string) (sample, error) {
	bad := func(why string) (sample, error) {
		return sample{}, fmt.Errorf("exposition line %.120q: %s", line, why)
	}
	s := sample{labels: map[string]string{}}
	rest := line
	if i := strings.IndexAny(rest, "{ "); i < 0 {
		return bad("no value")
	} else {
		s.name, rest = rest[:i], rest[i:]
	}
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for !strings.HasPrefix(rest, "}") {
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				return bad("label without a value")
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			for {
				if rest == "" {
					return bad("unterminated label value")
				}
				c := rest[0]
				rest = rest[1:]
				if c == '"' {
					break
				}
				if c == '\\' && rest != "" {
					switch rest[0] {
					case 'n':
						c = '\n'
					default:
						c = rest[0]
					}
					rest = rest[1:]
				}
				v.WriteByte(c)
			}
			s.labels[key] = v.String()
			rest = strings.TrimPrefix(rest, ",")
		}
		rest = rest[1:]
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return bad("no value")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return bad("value is not a number")
	}
	s.value = v
	return s, nil
}

// sum adds the values of the samples named name whose labels include want.
func sum(samples []sample, name string, want map[string]string) (float64, int) {
	total, n := 0.0, 0
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		total += s.value
		n++
	}
	return total, n
}
