package client

import (
	"slices"
	"strings"
)

// The API's vocabulary has this one home, so the metrics' state sets, the
// config's validation, the poller's freezing of finished jobs and the
// simulator's answers cannot come to disagree about it. The lists are in the
// order the API documents them, which is also the order /metrics exposes a
// state set in and error messages list the accepted values in; they are
// shared, so callers must not modify them.

// Action names, as the API and the action labels of the metrics spell them.
const (
	ActionDescribeServerlessJobs = "DescribeServerlessJobs"
	ActionListServerlessJobs     = "ListServerlessJobs"
)

// Job states (JobInfo.State, JobSummary.State).
const (
	JobStatePending   = "Pending"
	JobStateIniting   = "Initing"
	JobStateRunning   = "Running"
	JobStateSucceeded = "Succeeded"
	JobStateCanceled  = "Canceled"
	JobStateFailed    = "Failed"
)

// JobStates are the job states the API documents.
var JobStates = []string{
	JobStatePending, JobStateIniting, JobStateRunning,
	JobStateSucceeded, JobStateCanceled, JobStateFailed,
}

// EventTypeWarning is the type of an ECI event that reports a problem (the
// other type is Normal).
const EventTypeWarning = "Warning"

// JobStateClass groups job states by what they mean for a watcher.
type JobStateClass int

const (
	// JobClassUnknown is a state the API does not document (or none).
	JobClassUnknown JobStateClass = iota
	// JobClassPending: submitted, not running yet (Pending, Initing).
	JobClassPending
	// JobClassRunning: running (Running).
	JobClassRunning
	// JobClassTerminal: finished for good (Succeeded, Canceled, Failed).
	JobClassTerminal
)

// ClassifyJobState tells which class a job state belongs to. Case is ignored:
// a job must not be polled forever, nor frozen too early, because the service
// changed the capitalisation of a state.
func ClassifyJobState(state string) JobStateClass {
	switch {
	case strings.EqualFold(state, JobStatePending), strings.EqualFold(state, JobStateIniting):
		return JobClassPending
	case strings.EqualFold(state, JobStateRunning):
		return JobClassRunning
	case strings.EqualFold(state, JobStateSucceeded), strings.EqualFold(state, JobStateCanceled),
		strings.EqualFold(state, JobStateFailed):
		return JobClassTerminal
	}
	return JobClassUnknown
}

// IsTerminal reports whether a job in this state will not change any more.
func IsTerminal(state string) bool { return ClassifyJobState(state) == JobClassTerminal }

// Container group statuses (ContainerGroup.Status).
const (
	GroupStatusPending        = "Pending"
	GroupStatusRunning        = "Running"
	GroupStatusSucceeded      = "Succeeded"
	GroupStatusFailed         = "Failed"
	GroupStatusScheduling     = "Scheduling"
	GroupStatusScheduleFailed = "ScheduleFailed"
	GroupStatusRestarting     = "Restarting"
	GroupStatusUpdating       = "Updating"
	GroupStatusTerminating    = "Terminating"
	GroupStatusExpired        = "Expired"
)

// GroupStatuses are the container group statuses the API documents.
var GroupStatuses = []string{
	GroupStatusPending, GroupStatusRunning, GroupStatusSucceeded, GroupStatusFailed, GroupStatusScheduling,
	GroupStatusScheduleFailed, GroupStatusRestarting, GroupStatusUpdating, GroupStatusTerminating, GroupStatusExpired,
}

// Container states (ContainerState.State).
const (
	ContainerStateWaiting    = "Waiting"
	ContainerStateRunning    = "Running"
	ContainerStateTerminated = "Terminated"
)

// ContainerStates are the container states the API documents.
var ContainerStates = []string{ContainerStateWaiting, ContainerStateRunning, ContainerStateTerminated}

// Spot strategies (ContainerGroup.SpotStrategy).
const (
	SpotNoSpot         = "NoSpot" // an on-demand instance
	SpotWithPriceLimit = "SpotWithPriceLimit"
	SpotAsPriceGo      = "SpotAsPriceGo"
)

// SpotStrategies are the spot strategies the API documents.
var SpotStrategies = []string{SpotNoSpot, SpotWithPriceLimit, SpotAsPriceGo}

// Credential source types accepted by NewCredential (the config's
// credentials.type).
const (
	CredentialDefault        = "default"
	CredentialEnvironment    = "environment"
	CredentialProfile        = "profile"
	CredentialOIDCRoleARN    = "oidc_role_arn"
	CredentialECSRAMRole     = "ecs_ram_role"
	CredentialCredentialsURI = "credentials_uri"
)

// CredentialTypes are the credential source types NewCredential accepts.
var CredentialTypes = []string{
	CredentialDefault, CredentialEnvironment, CredentialProfile,
	CredentialOIDCRoleARN, CredentialECSRAMRole, CredentialCredentialsURI,
}

// ListStateAll is ListServerlessJobs' State filter for every job.
const ListStateAll = "All"

// ListStates are the values ListServerlessJobs' State filter takes (the SDK's
// enum): All, or one job state, but not every job state: Initing is not one
// of them, and the service can be expected to refuse it as InvalidParams.
var ListStates = []string{
	ListStateAll, JobStatePending, JobStateRunning,
	JobStateSucceeded, JobStateCanceled, JobStateFailed,
}

// IsListState reports whether ListServerlessJobs can filter by state.
func IsListState(state string) bool { return slices.Contains(ListStates, state) }
