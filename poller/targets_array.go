package poller

import (
	"fmt"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// maxArraySiblings bounds how many sub-tasks one array job may add, so a
// corrupt or hostile ArrayProperties cannot make the exporter track millions
// of ids.
const maxArraySiblings = 100000

// arrayRange is the index range of an array job as its describe answer gives it.
type arrayRange struct {
	start, end, step int64
}

// rangeFromInfo returns the index range an answer announces, or nil when the
// answer is not an array sub-task.
func rangeFromInfo(info *client.JobInfo) *arrayRange {
	if info == nil || !bool(info.IsArrayJob) || info.ArrayProperties == nil {
		return nil
	}
	p := info.ArrayProperties
	return &arrayRange{start: int64(p.IndexStart), end: int64(p.IndexEnd), step: int64(p.IndexStep)}
}

// validate reports what is wrong with a range the service sent. A step of 0
// is what an answer without a step decodes to, and means 1.
func (r arrayRange) validate() (arrayRange, error) {
	if r.step == 0 {
		r.step = 1
	}
	switch {
	case r.start < 0:
		return r, fmt.Errorf("array index start %d is negative", r.start)
	case r.end < r.start:
		return r, fmt.Errorf("array index end %d is before start %d", r.end, r.start)
	case r.step < 0:
		return r, fmt.Errorf("array index step %d is negative", r.step)
	}
	return r, nil
}

// siblings calls fn for every sub-task id of the array, at most
// maxArraySiblings of them; truncated says the range was larger.
func (r arrayRange) siblings(arrayID string, fn func(id string)) (truncated bool) {
	n := int64(0)
	for i := r.start; i <= r.end; i += r.step {
		if n == maxArraySiblings {
			return true
		}
		fn(client.SubTaskID(arrayID, i))
		n++
		if i > r.end-r.step { // the next step would overflow or pass the end
			break
		}
	}
	return false
}

// equal compares two optional ranges.
func (r *arrayRange) equal(o *arrayRange) bool {
	if r == nil || o == nil {
		return r == o
	}
	return *r == *o
}
