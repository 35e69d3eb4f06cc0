package analytics

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// Class says why a job did not succeed, or why a container ended, in one of
// a few words. The set is fixed (plus the classes a site adds in its config),
// so it is safe as a label: a reason the table does not know is "unknown",
// never a new label value.
type Class string

// The built-in classes.
const (
	ClassNone          Class = "none"           // succeeded: nothing to blame
	ClassCapacity      Class = "capacity"       // no instance could be had: out of stock, scheduling failed
	ClassSpotReclaimed Class = "spot_reclaimed" // the spot instance was taken back
	ClassOOM           Class = "oom"            // a container ran out of memory
	ClassImage         Class = "image"          // the image could not be pulled
	ClassAppError      Class = "app_error"      // a container exited with an error of its own
	ClassCanceled      Class = "canceled"       // someone canceled the job
	ClassUnknown       Class = "unknown"        // failed, and nothing in the answer says why
)

// BuiltinClasses lists every built-in class, in the order docs/METRICS.md
// lists them.
var BuiltinClasses = []Class{ClassNone, ClassCapacity, ClassSpotReclaimed, ClassOOM, ClassImage, ClassAppError, ClassCanceled, ClassUnknown}

// The reasons the table reads, from container states, group statuses and the
// ECI events of container groups. Matching ignores case.
var (
	// spotReasons are event reasons that announce or report a reclaim.
	spotReasons = []string{"SpotToBeReleased", "SpotInstanceReleased", "SpotInstanceReclaimed", "Preempted"}
	// oomReasons are container and event reasons of a memory kill.
	oomReasons = []string{"OOMKilled", "OOMKilling"}
	// imageReasons are container waiting reasons and event reasons of a pull
	// that failed.
	imageReasons = []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "PullImageFailed", "FailedPullImage"}
	// capacityReasons are group statuses and event reasons of an instance
	// that could not be had.
	capacityReasons = []string{client.GroupStatusScheduleFailed, "FailedScheduling", "OutOfStock", "NoStock",
		"InsufficientResource", "RecommendInstanceTypeFailed", "ResourceNotEnough", "ContainerGroupScheduleFailed"}
)

// Rule is a site's own class, taken before the built-in table: a job whose
// container exited with one of ExitCodes, or whose container or group event
// gives one of Reasons, belongs to Class.
type Rule struct {
	Class     Class
	ExitCodes []int64
	Reasons   []string
}

// Classifier applies the site's rules, then the built-in table.
type Classifier struct {
	rules []Rule
}

var classNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// maxRules bounds the classes a config may add: each is a label value of
// several families.
const maxRules = 32

// NewClassifier checks the site's rules. A rule's class must be a short
// lower-case word, and not a built-in class (which would blur what the
// built-in one means).
func NewClassifier(rules []Rule) (*Classifier, error) {
	if len(rules) > maxRules {
		return nil, fmt.Errorf("failure classes: %d rules, at most %d", len(rules), maxRules)
	}
	for i, r := range rules {
		switch {
		case !classNameRE.MatchString(string(r.Class)):
			return nil, fmt.Errorf("failure classes: rule %d: class %q must be a lower-case word of letters, digits and '_' (at most 32)", i+1, r.Class)
		case slices.Contains(BuiltinClasses, r.Class):
			return nil, fmt.Errorf("failure classes: rule %d: %q is a built-in class", i+1, r.Class)
		case len(r.ExitCodes) == 0 && len(r.Reasons) == 0:
			return nil, fmt.Errorf("failure classes: rule %d: class %q has neither exit_codes nor reasons", i+1, r.Class)
		}
	}
	return &Classifier{rules: slices.Clone(rules)}, nil
}

// Classes lists every class the classifier can give: the site's, then the
// built-in ones.
func (c *Classifier) Classes() []Class {
	out := make([]Class, 0, len(c.rules)+len(BuiltinClasses))
	for _, r := range c.rules {
		if !slices.Contains(out, r.Class) {
			out = append(out, r.Class)
		}
	}
	return append(out, BuiltinClasses...)
}

// Job classifies a finished job: none when it succeeded, else the first of,
// in order, the site's rules, canceled, a spot reclaim, a memory kill, an
// image that could not be pulled, capacity, an application error (a
// container that exited non-zero), unknown. It returns "" for a job that has
// not finished.
func (c *Classifier) Job(info *client.JobInfo) Class {
	if info == nil || !client.IsTerminal(string(info.State)) {
		return ""
	}
	if strings.EqualFold(string(info.State), client.JobStateSucceeded) {
		return ClassNone
	}
	if cl, ok := c.site(info); ok {
		return cl
	}
	if strings.EqualFold(string(info.State), client.JobStateCanceled) {
		return ClassCanceled
	}
	has := func(reasons []string) bool { return anyReason(info, reasons) }
	switch {
	case has(spotReasons) || spotExpired(info):
		return ClassSpotReclaimed
	case has(oomReasons):
		return ClassOOM
	case has(imageReasons):
		return ClassImage
	case has(capacityReasons):
		return ClassCapacity
	case anyExit(info, func(code int64) bool { return code != 0 }):
		return ClassAppError
	}
	return ClassUnknown
}

// Failure is Job for a job that did not succeed, and "" for one that
// succeeded or has not finished: why it failed, if it did.
func (c *Classifier) Failure(info *client.JobInfo) Class {
	if cl := c.Job(info); cl != ClassNone {
		return cl
	}
	return ""
}

// Termination classifies one end of a container's run (its current or
// previous state, Terminated): the site's exit codes and reasons first, then
// oom, then app_error for a non-zero exit, none for a clean one.
func (c *Classifier) Termination(st client.ContainerState) Class {
	for _, r := range c.rules {
		if slices.Contains(r.ExitCodes, int64(st.ExitCode)) || containsFold(r.Reasons, string(st.Reason)) {
			return r.Class
		}
	}
	switch {
	case containsFold(oomReasons, string(st.Reason)):
		return ClassOOM
	case st.ExitCode != 0:
		return ClassAppError
	}
	return ClassNone
}

func (c *Classifier) site(info *client.JobInfo) (Class, bool) {
	for _, r := range c.rules {
		if anyReason(info, r.Reasons) || anyExit(info, func(code int64) bool { return slices.Contains(r.ExitCodes, code) }) {
			return r.Class, true
		}
	}
	return "", false
}

// spotExpired: a spot group that expired was taken back, even when no event
// says so any more (the service keeps only the last 50).
func spotExpired(info *client.JobInfo) bool {
	for i := range info.ContainerGroups {
		g := &info.ContainerGroups[i]
		if strings.EqualFold(string(g.Status), client.GroupStatusExpired) && isSpot(string(g.SpotStrategy)) {
			return true
		}
	}
	return false
}

func isSpot(strategy string) bool {
	return strategy != "" && !strings.EqualFold(strategy, client.SpotNoSpot)
}

// anyReason reports whether a group status, a group event or a container
// state of the job gives one of reasons.
func anyReason(info *client.JobInfo, reasons []string) bool {
	if len(reasons) == 0 {
		return false
	}
	for i := range info.ContainerGroups {
		g := &info.ContainerGroups[i]
		if containsFold(reasons, string(g.Status)) {
			return true
		}
		for _, e := range g.Events {
			if containsFold(reasons, string(e.Reason)) {
				return true
			}
		}
		found := false
		eachContainerState(g, func(st client.ContainerState) {
			found = found || containsFold(reasons, string(st.Reason))
		})
		if found {
			return true
		}
	}
	return false
}

// anyExit reports whether a terminated container state of the job has an
// exit code that match accepts.
func anyExit(info *client.JobInfo, match func(int64) bool) bool {
	found := false
	for i := range info.ContainerGroups {
		eachContainerState(&info.ContainerGroups[i], func(st client.ContainerState) {
			if strings.EqualFold(string(st.State), client.ContainerStateTerminated) && match(int64(st.ExitCode)) {
				found = true
			}
		})
	}
	return found
}

func eachContainerState(g *client.ContainerGroup, fn func(client.ContainerState)) {
	for _, cs := range [2][]client.Container{g.InitContainers, g.Containers} {
		for k := range cs {
			fn(cs[k].CurrentState)
			fn(cs[k].PreviousState)
		}
	}
}

func containsFold(list []string, v string) bool {
	if v == "" {
		return false
	}
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}
