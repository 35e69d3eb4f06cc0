package analytics

import (
	"strings"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func terminated(exit int64, reason string) client.ContainerState {
	return client.ContainerState{State: client.ContainerStateTerminated, ExitCode: client.Int64(exit), Reason: client.Text(reason)}
}

func finished(state string, groups ...client.ContainerGroup) *client.JobInfo {
	return &client.JobInfo{JobID: "1", State: client.Text(state), ContainerGroups: groups}
}

func group(status string, c ...client.Container) client.ContainerGroup {
	return client.ContainerGroup{ContainerGroupID: "g", Status: client.Text(status), Containers: c}
}

func TestJobClasses(t *testing.T) {
	siteRules := []Rule{{Class: "input_error", ExitCodes: []int64{3}}, {Class: "license", Reasons: []string{"LicenseExpired"}}}
	c, err := NewClassifier(siteRules)
	if err != nil {
		t.Fatal(err)
	}
	spot := group(client.GroupStatusExpired, client.Container{CurrentState: terminated(143, "Error")})
	spot.SpotStrategy = client.SpotAsPriceGo
	noticed := group(client.GroupStatusFailed, client.Container{CurrentState: terminated(137, "Error")})
	noticed.Events = []client.Event{{Type: "Warning", Reason: "SpotToBeReleased"}}
	stock := group(client.GroupStatusFailed)
	stock.Events = []client.Event{{Type: "Warning", Reason: "RecommendInstanceTypeFailed"}}
	pull := group(client.GroupStatusFailed, client.Container{CurrentState: client.ContainerState{State: client.ContainerStateWaiting, Reason: "ImagePullBackOff"}})
	licence := group(client.GroupStatusFailed, client.Container{CurrentState: terminated(1, "Error")})
	licence.Events = []client.Event{{Type: "Warning", Reason: "LicenseExpired"}}
	for _, tc := range []struct {
		name string
		info *client.JobInfo
		want Class
	}{
		{"running", finished(client.JobStateRunning), ""},
		{"succeeded", finished(client.JobStateSucceeded, group(client.GroupStatusSucceeded, client.Container{CurrentState: terminated(0, "Completed")})), ClassNone},
		{"canceled", finished(client.JobStateCanceled, group(client.GroupStatusFailed, client.Container{CurrentState: terminated(143, "Error")})), ClassCanceled},
		{"spot group expired", finished(client.JobStateFailed, spot), ClassSpotReclaimed},
		{"spot notice event", finished(client.JobStateFailed, noticed), ClassSpotReclaimed},
		{"oom now", finished(client.JobStateFailed, group(client.GroupStatusFailed, client.Container{CurrentState: terminated(137, "OOMKilled")})), ClassOOM},
		{"oom before", finished(client.JobStateFailed, group(client.GroupStatusFailed, client.Container{CurrentState: terminated(1, "Error"), PreviousState: terminated(137, "OOMKilled")})), ClassOOM},
		{"image", finished(client.JobStateFailed, pull), ClassImage},
		{"schedule failed", finished(client.JobStateFailed, group(client.GroupStatusScheduleFailed)), ClassCapacity},
		{"out of stock", finished(client.JobStateFailed, stock), ClassCapacity},
		{"exit 1", finished(client.JobStateFailed, group(client.GroupStatusFailed, client.Container{CurrentState: terminated(1, "Error")})), ClassAppError},
		{"site exit code", finished(client.JobStateFailed, group(client.GroupStatusFailed, client.Container{CurrentState: terminated(3, "Error")})), "input_error"},
		{"site reason", finished(client.JobStateFailed, licence), "license"},
		{"no clue", finished(client.JobStateFailed, group(client.GroupStatusFailed)), ClassUnknown},
		{"case of the state", finished("FAILED", group("failed", client.Container{CurrentState: terminated(137, "oomkilled")})), ClassOOM},
	} {
		if got := c.Job(tc.info); got != tc.want {
			t.Errorf("%s: class %q, want %q", tc.name, got, tc.want)
		}
		wantFailure := tc.want
		if wantFailure == ClassNone {
			wantFailure = ""
		}
		if got := c.Failure(tc.info); got != wantFailure {
			t.Errorf("%s: failure %q, want %q", tc.name, got, wantFailure)
		}
	}
	if got := c.Classes(); got[0] != "input_error" || got[1] != "license" || len(got) != 2+len(BuiltinClasses) {
		t.Errorf("Classes() = %v", got)
	}
}

func TestTerminationClasses(t *testing.T) {
	c, err := NewClassifier([]Rule{{Class: "input_error", ExitCodes: []int64{3}}})
	if err != nil {
		t.Fatal(err)
	}
	for st, want := range map[client.ContainerState]Class{
		terminated(0, "Completed"):   ClassNone,
		terminated(137, "OOMKilled"): ClassOOM,
		terminated(1, "Error"):       ClassAppError,
		terminated(3, "Error"):       "input_error",
	} {
		if got := c.Termination(st); got != want {
			t.Errorf("%+v: %q, want %q", st, got, want)
		}
	}
}

func TestBadRulesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		rules []Rule
		want  string
	}{
		{[]Rule{{Class: "Input Error", ExitCodes: []int64{3}}}, "lower-case word"},
		{[]Rule{{Class: "oom", ExitCodes: []int64{3}}}, "built-in class"},
		{[]Rule{{Class: "empty"}}, "neither exit_codes nor reasons"},
	} {
		if _, err := NewClassifier(tc.rules); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error saying %q", tc.rules, err, tc.want)
		}
	}
}
