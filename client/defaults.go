package client

import "time"

// Defaults of the API client, applied to zero Options and CredentialOptions
// fields. The config's api.timeout, api.max_response_bytes,
// credentials.fetch_timeout and polling.concurrency default to these same
// constants, so that a client built in code and one built from an empty
// config file behave alike.
const (
	// DefaultTimeout bounds one HTTP attempt.
	DefaultTimeout = 10 * time.Second
	// DefaultConcurrency is the number of calls expected in flight, which
	// sizes the default idle connection pool.
	DefaultConcurrency = 4
	// DefaultMaxResponseBytes bounds an answer's body.
	DefaultMaxResponseBytes = 8 << 20
	// DefaultCredentialTimeout bounds one credential fetch.
	DefaultCredentialTimeout = 5 * time.Second
)
