package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// documentedErrors: the seed page's error table, then the platform-wide
// codes that E-HPC answers can carry, with the verdict for each.
var documentedErrors = []struct {
	status    int
	code      string
	retryable bool
}{
	{400, "InvalidParams", false},
	{400, "NotEnabled", false},
	{404, "ClusterNotFound", false},
	{404, "ManagerNotFound", false},
	{406, "EcsError", true},
	{406, "DbError", true},
	{406, "RedisError", true},
	{406, "AliyunError", true},
	{406, "AgentError", true},
	{407, "NotAuthorized", false},
	{500, "UnknownError", true},
	{503, "ServiceUnavailable", true},

	{400, "Throttling", true},
	{429, "Throttling", true},
	{400, "Throttling.User", true},
	{429, "Throttling.Api", true},
	{500, "InternalError", true},
	{403, "Forbidden", false},
	{403, "Forbidden.RAM", false},
	{403, "Forbidden.AccessKeyDisabled", false},
	{400, "SignatureDoesNotMatch", false},
	{400, "IncompleteSignature", false},
	{404, "InvalidAccessKeyId.NotFound", false},
	{400, "InvalidAccessKeyId.Inactive", false},
	{400, "InvalidSecurityToken.Expired", false},
	{400, "InvalidSecurityToken.Malformed", false},
	{400, "InvalidTimeStamp.Expired", false},
	{400, "InvalidTimeStamp.Format", false},
	// Retried on purpose: each attempt carries a fresh nonce.
	{400, "SignatureNonceUsed", true},

	// A sub-code "<Code>.<detail>" is of its code's class, whatever its
	// status, and "<Code>" must be followed by a dot to count.
	{406, "AgentError.Timeout", true},
	{406, "AgentError.Sub.Deeper", true},
	{406, "EcsError.InstanceNotReady", true},
	{406, "DbError.Busy", true},
	{400, "SignatureNonceUsed.Replay", true},
	{400, "InvalidParams.JobIds", false},
	{500, "ClusterNotFound.Deleted", false},
	{503, "NotAuthorized.RAM", false},
	{502, "SignatureDoesNotMatch.Hmac", false},
	{406, "AgentErrorX", false},
	{500, "ForbiddenX", true},

	// Codes nobody documented: the status decides.
	{400, "SomethingNew", false},
	{404, "SomethingNew", false},
	{429, "SomethingNew", true},
	{502, "SomethingNew", true},
	// Final codes stay final even behind a 5xx.
	{500, "ClusterNotFound", false},
	{503, "SignatureDoesNotMatch", false},
}

func TestDocumentedErrorCodes(t *testing.T) {
	for _, tc := range documentedErrors {
		t.Run(fmt.Sprintf("%d_%s", tc.status, tc.code), func(t *testing.T) {
			body := fmt.Sprintf(`{"RequestId":"04F0F334-1335","HostId":"ehpc.cn-hangzhou.aliyuncs.com","Code":"%s","Message":"msg for %s\n","Recommend":"https://api.aliyun.com/troubleshoot"}`, tc.code, tc.code)
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, tc.status, body) })
			c := newTestClient(t, f, nil) // MaxRetries 0: one attempt
			_, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1"}})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %T %v, want *APIError", err, err)
			}
			want := APIError{Action: "DescribeServerlessJobs", StatusCode: tc.status, Code: tc.code, Message: "msg for " + tc.code,
				RequestID: "04F0F334-1335", HostID: "ehpc.cn-hangzhou.aliyuncs.com", Recommend: "https://api.aliyun.com/troubleshoot"}
			if *ae != want {
				t.Errorf("got %+v\nwant %+v", *ae, want)
			}
			if got := ErrorCode(err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if got := IsRetryable(err); got != tc.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tc.retryable)
			}
			if got := IsRetryable(fmt.Errorf("wrapped: %w", err)); got != tc.retryable {
				t.Errorf("IsRetryable(wrapped) = %v, want %v", got, tc.retryable)
			}
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 404, `{"RequestId":"04F0F334-1335-436C-A1D7-6C044FE73368","Code":"ClusterNotFound","Message":"The specified cluster does not exist."}`)
	})
	c := newTestClient(t, f, nil)
	_, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1"}})
	want := "EHPC DescribeServerlessJobs: ClusterNotFound (HTTP 404): The specified cluster does not exist. (RequestId 04F0F334-1335-436C-A1D7-6C044FE73368)"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestTransportClassesAndCodes(t *testing.T) {
	cases := []struct {
		err       error
		code      string
		retryable bool
	}{
		{nil, "OK", false},
		{&Error{Code: CodeTimeout}, "Timeout", true},
		{&Error{Code: CodeConnectionError}, "ConnectionError", true},
		{&Error{Code: CodeCanceled}, "Canceled", false},
		{&Error{Code: CodeCredentialError}, "CredentialError", false},
		{&Error{Code: CodeDecodeError}, "DecodeError", false},
		{&Error{Code: CodeResponseTooLarge}, "ResponseTooLarge", false},
		{&Error{Code: CodeRateLimited}, "RateLimited", false},
		{&Error{Code: CodeInvalidRequest}, "InvalidRequest", false},
		{&Error{Code: CodeTLSError}, "TLSError", false},
		{&APIError{StatusCode: 502, Code: "HTTP502"}, "HTTP502", true},
		{&APIError{StatusCode: 429, Code: "HTTP429"}, "HTTP429", true},
		{&APIError{StatusCode: 403, Code: "HTTP403"}, "HTTP403", false},
		{&APIError{StatusCode: 500}, "HTTP500", true},
		{context.Canceled, "Canceled", false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "Timeout", true},
		{errors.New("something else"), "Unknown", false},
	}
	for _, tc := range cases {
		if got := ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := IsRetryable(tc.err); got != tc.retryable {
			t.Errorf("IsRetryable(%v) = %v, want %v", tc.err, got, tc.retryable)
		}
	}
}
