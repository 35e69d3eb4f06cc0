package simulator

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// apiError is an error answer: the code, its HTTP status and message.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header // extra headers, e.g. the throttling wait
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// errorStatus is the HTTP status of every code the simulator answers with:
// the documented EHPC codes (the error table of the product page) and the
// platform codes of the API gateway.
var errorStatus = map[string]int{
	"InvalidParams":      400,
	"NotEnabled":         400,
	"ClusterNotFound":    404,
	"ManagerNotFound":    404,
	"EcsError":           406,
	"DbError":            406,
	"RedisError":         406,
	"AliyunError":        406,
	"AgentError":         406,
	"NotAuthorized":      407,
	"UnknownError":       500,
	"ServiceUnavailable": 503,

	"MissingClusterId":               400,
	"MissingJobIds":                  400,
	"InvalidVersion":                 400,
	"InvalidAction.NotFound":         404,
	"UnsupportedHTTPMethod":          405,
	"IncompleteSignature":            400,
	"SignatureDoesNotMatch":          400,
	"InvalidAccessKeyId.NotFound":    404,
	"InvalidTimeStamp.Format":        400,
	"InvalidTimeStamp.Expired":       400,
	"SignatureNonceUsed":             400,
	"InvalidSecurityToken.Mismatch":  400,
	"InvalidSecurityToken.Expired":   400,
	"InvalidSecurityToken.Malformed": 400,
	"Throttling.User":                400,
}

// errorMessage is the fixed message of codes that have one.
var errorMessage = map[string]string{
	"NotEnabled":         "You have not enabled this service",
	"ClusterNotFound":    "The specified cluster does not exist.",
	"ManagerNotFound":    "The manager nodes do not exist or their status is abnormal.",
	"EcsError":           "An error occurred while calling the ECS API operation.",
	"DbError":            "A database service error occurred.",
	"RedisError":         "A Redis service error occurred.",
	"AliyunError":        "An Alibaba Cloud product error occurred.",
	"NotAuthorized":      "You are not authorized by RAM for this request.",
	"UnknownError":       "An unknown error occurred.",
	"ServiceUnavailable": "The request has failed due to a temporary failure of the server.",

	"MissingClusterId":               "ClusterId is mandatory for this action.",
	"MissingJobIds":                  "JobIds is mandatory for this action.",
	"InvalidVersion":                 "Specified parameter Version is not valid.",
	"InvalidAction.NotFound":         "Specified api is not found, please check your url and method.",
	"UnsupportedHTTPMethod":          "This http method is not supported.",
	"IncompleteSignature":            "The request signature does not conform to Aliyun standards.",
	"SignatureDoesNotMatch":          "Specified signature is not matched with our calculation.",
	"InvalidAccessKeyId.NotFound":    "Specified access key is not found.",
	"InvalidTimeStamp.Format":        "Specified time stamp or date value is not well formatted.",
	"InvalidTimeStamp.Expired":       "Specified time stamp or date value is expired.",
	"SignatureNonceUsed":             "Specified signature nonce was used already.",
	"InvalidSecurityToken.Mismatch":  "Specified SecurityToken mismatch with the AccessKey.",
	"InvalidSecurityToken.Expired":   "Specified SecurityToken is expired.",
	"InvalidSecurityToken.Malformed": "Specified SecurityToken is malformed.",
	"Throttling.User":                "Request was denied due to user flow control.",
}

// errCode builds the error answer of a code with its usual status and message.
func errCode(code string) *apiError {
	status, ok := errorStatus[code]
	if !ok {
		status = 400
	}
	return &apiError{status: status, code: code, message: errorMessage[code]}
}

// invalidParam is the documented InvalidParams answer naming the parameter.
func invalidParam(name string) *apiError {
	return &apiError{status: 400, code: "InvalidParams", message: fmt.Sprintf("The specified parameter %s is invalid.", name)}
}

// newRequestID returns a fresh id in the service's upper-case UUID form.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// writeError sends the service's error shape with the code's status.
func writeError(w http.ResponseWriter, host, requestID string, e *apiError) {
	body, _ := json.Marshal(client.ErrorResponse{
		RequestID: client.Text(requestID),
		HostID:    client.Text(host),
		Code:      client.Text(e.code),
		Message:   client.Text(e.message),
		Recommend: client.Text("https://api.aliyun.com/troubleshoot?q=" + e.code + "&product=EHPC"),
	})
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, requestID, e.status, body)
}

func writeJSON(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	h.Set("x-acs-request-id", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
