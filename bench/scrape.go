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

// seriesCost is what a set of series costs in the exposition.
type seriesCost struct {
	Series, Bytes int
}

// jobCost splits the exposition's series between active jobs, finished
// jobs and series about no job (aggregates, analytics, the exporter's own).
type jobCost struct {
	Active, Finished, NoJob  seriesCost
	ActiveJobs, FinishedJobs int
}

// costPerJob attributes every sample line to the job its cluster_id and
// job_id labels name.
func costPerJob(body []byte, isActive map[jobKey]bool) jobCost {
	var c jobCost
	active, finished := map[jobKey]bool{}, map[jobKey]bool{}
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		n := len(line) + 1
		job, okJ := labelValue(line, "job_id")
		cluster, okC := labelValue(line, "cluster_id")
		k := jobKey{cluster, job}
		switch {
		case !okJ || !okC:
			c.NoJob.Series++
			c.NoJob.Bytes += n
		case isActive[k]:
			active[k] = true
			c.Active.Series++
			c.Active.Bytes += n
		default:
			finished[k] = true
			c.Finished.Series++
			c.Finished.Bytes += n
		}
	}
	c.ActiveJobs, c.FinishedJobs = len(active), len(finished)
	return c
}

// labelValue is the raw value of a label of a sample line; the exporter's
// job and cluster ids need no unescaping.
func labelValue(line []byte, name string) (string, bool) {
	key := []byte(name + `="`)
	i := bytes.Index(line, key)
	for i > 0 && line[i-1] != '{' && line[i-1] != ',' {
		j := bytes.Index(line[i+1:], key)
		if j < 0 {
			return "", false
		}
		i += 1 + j
	}
	if i < 0 {
		return "", false
	}
	rest := line[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// familyCost is one metric family's share of the exposition.
type familyCost struct {
	Name   string
	PerJob bool // some of its series name a job
	seriesCost
}

// costPerFamily sums series and bytes (headers included) by family, as the
// HELP and TYPE lines delimit them, largest first.
func costPerFamily(body []byte) []familyCost {
	by := map[string]*familyCost{}
	var cur *familyCost
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if f := bytes.Fields(line); len(f) >= 3 && string(f[0]) == "#" && (string(f[1]) == "HELP" || string(f[1]) == "TYPE") {
			name := string(f[2])
			if by[name] == nil {
				by[name] = &familyCost{Name: name}
			}
			cur = by[name]
		}
		if cur == nil {
			continue
		}
		cur.Bytes += len(line) + 1
		if line[0] != '#' {
			cur.Series++
			if _, ok := labelValue(line, "job_id"); ok {
				cur.PerJob = true
			}
		}
	}
	out := make([]familyCost, 0, len(by))
	for _, f := range by {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b familyCost) int { return b.Bytes - a.Bytes })
	return out
}
