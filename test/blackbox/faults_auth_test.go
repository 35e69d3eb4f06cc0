package blackbox

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// Failures no retry can cure are tried once per cycle, counted under the
// service's code, and the jobs keep their last data until the cause goes.
func TestFaultClusterNotFound(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 3})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultClusterGone}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	if got := r.sim.Calls().Total; got != int64(len(r.jobs)) {
		t.Errorf("%d calls, want one per job: ClusterNotFound is final", got)
	}
	r.expectStale("ClusterNotFound", 1)
	if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, "does not exist") {
		t.Errorf("message %q does not carry the service's explanation", msg)
	}
	r.recover("ClusterNotFound", 1)
}

func TestFaultNotAuthorized(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 3})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultPermissionLoss}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	r.cycle()
	if got := r.sim.Calls().Total; got != int64(2*len(r.jobs)) {
		t.Errorf("%d calls over 2 cycles, want one per job and cycle: NotAuthorized is final", got)
	}
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "NotAuthorized"); got != float64(2*len(r.jobs)) {
		t.Errorf("api_requests_total{code=NotAuthorized} = %v", got)
	}
	r.expectStale("NotAuthorized", 2)
	r.recover("NotAuthorized", 2)
}

// Key trouble on the exporter's side: the wrong secret (signature mismatch),
// a key the service does not know, a stale STS token, and a credential
// provider that fails. None is retried, none leaks the secret or the token
// into the error text, and each recovers when the right key is back.
func TestFaultSignatureAndKeyErrors(t *testing.T) {
	good := client.StaticCredential{AccessKeyID: rigKeyID, AccessKeySecret: rigSecret}
	for _, tc := range []struct {
		name string
		cred client.StaticCredential
		err  error
		code string
	}{
		{"wrong secret", client.StaticCredential{AccessKeyID: rigKeyID, AccessKeySecret: rigSTSSec}, nil, "SignatureDoesNotMatch"},
		{"unknown key", client.StaticCredential{AccessKeyID: "LTAIunknown", AccessKeySecret: rigSecret}, nil, "InvalidAccessKeyId.NotFound"},
		{"stale STS token", client.StaticCredential{AccessKeyID: rigSTSKeyID, AccessKeySecret: rigSTSSec, SecurityToken: rigToken + "-old"}, nil, "InvalidSecurityToken.Mismatch"},
		{"provider down", client.StaticCredential{}, fmt.Errorf("%w: %s", errProviderDown, rigSecret), "CredentialError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, rigOptions{MaxRetries: 3})
			r.cred.set(client.StaticCredential{AccessKeyID: rigSTSKeyID, AccessKeySecret: rigSTSSec, SecurityToken: rigToken}, nil)
			r.healthy()
			r.cred.set(tc.cred, tc.err)
			r.sim.ResetCalls()
			r.cycle()
			want := int64(len(r.jobs))
			if tc.err != nil {
				want = 0 // nothing can be signed without a key
			}
			if got := r.sim.Calls().Total; got != want {
				t.Errorf("%d calls reached the service, want %d: %s is final", got, want, tc.code)
			}
			r.expectStale(tc.code, 1)
			r.noSecrets(r.logs.String())
			r.noSecrets(r.snap("1").LastErrorMessage)
			r.cred.set(good, nil)
			r.recover(tc.code, 1)
		})
	}
}

// The exporter's host clock is 20 minutes off the service's: every signed
// request is refused as expired, which says plainly what to fix, until the
// clocks agree again.
func TestFaultClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{20 * time.Minute, -20 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			r := newRig(t, rigOptions{MaxRetries: 3})
			r.healthy()
			r.skew.set(skew)
			r.sim.ResetCalls()
			r.cycle()
			if got := r.sim.Calls().Total; got != int64(len(r.jobs)) {
				t.Errorf("%d calls, want one per job: an expired timestamp is final", got)
			}
			r.expectStale("InvalidTimeStamp.Expired", 1)
			if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, "expired") {
				t.Errorf("message %q does not say the time stamp was refused", msg)
			}
			r.skew.set(0)
			r.recover("InvalidTimeStamp.Expired", 1)
		})
	}
}
