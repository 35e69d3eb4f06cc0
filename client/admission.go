package client

import "context"

// A scheduler that shares a client's rate limiter can take the token of a
// call's first attempt itself, at the moment it decides what the call is
// spent on, and pass the call a context made by Admitted. The client then
// does not wait for a second token for that attempt; every retry still waits
// on the limiter, so the limit holds for every request sent.

type admittedKey struct{}

// Admitted returns a context saying that the first attempt of every call
// made with it has already been admitted by the client's rate limiter.
func Admitted(ctx context.Context) context.Context {
	return context.WithValue(ctx, admittedKey{}, true)
}

func admitted(ctx context.Context) bool {
	v, _ := ctx.Value(admittedKey{}).(bool)
	return v
}
