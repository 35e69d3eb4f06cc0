package client

import (
	"strconv"
	"strings"
)

// SplitSubTaskID splits the id of an array job's sub-task,
// "<arrayJobId>_<index>", at its last '_'. ok is false for any other id: one
// without a '_' that has text on both sides, or whose index is not all ASCII
// digits (no sign). The index is returned as written, leading zeros and all:
// the id is the job's identity, and callers show or compare it rather than
// compute with it.
func SplitSubTaskID(id string) (arrayID, index string, ok bool) {
	i := strings.LastIndexByte(id, '_')
	if i <= 0 || i == len(id)-1 {
		return "", "", false
	}
	for _, c := range id[i+1:] {
		if c < '0' || c > '9' {
			return "", "", false
		}
	}
	return id[:i], id[i+1:], true
}

// SubTaskID is the id of sub-task index of array job arrayID, the id the
// service describes that sub-task by.
func SubTaskID(arrayID string, index int64) string {
	return arrayID + "_" + strconv.FormatInt(index, 10)
}

// ArrayTaskCount is the number of indices start, start+step, ... up to end
// of an array job. ok is false when the range cannot be counted: a step that
// is not positive, an end before the start, or bounds too far apart to
// subtract. An answer without a step decodes to step 0; whoever takes that to
// mean 1 says so before counting.
func ArrayTaskCount(start, end, step int64) (n int64, ok bool) {
	if step <= 0 || end < start {
		return 0, false
	}
	span := end - start
	if span < 0 { // overflow of absurd bounds
		return 0, false
	}
	return span/step + 1, true
}

// Tasks counts the indices of the array job p describes (see
// ArrayTaskCount); ok is false for a nil p too.
func (p *ArrayProperties) Tasks() (n int64, ok bool) {
	if p == nil {
		return 0, false
	}
	return ArrayTaskCount(int64(p.IndexStart), int64(p.IndexEnd), int64(p.IndexStep))
}
