package client

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/credentials-go/credentials"
)

// rotatingCredential hands out its keys in turn, one per fetch, like STS
// credentials that rotate between attempts.
type rotatingCredential struct {
	StaticCredential
	mu   sync.Mutex
	keys []StaticCredential
	n    int
}

func (r *rotatingCredential) GetCredential() (*credentials.CredentialModel, error) {
	r.mu.Lock()
	k := r.keys[r.n%len(r.keys)]
	r.n++
	r.mu.Unlock()
	return k.GetCredential()
}

// assertNoSecret fails when an error's text (in every print form) holds the
// test secret or token.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(f, err)
		if strings.Contains(out, testSecret) || strings.Contains(out, testToken) {
			t.Errorf("error leaks a secret (%s): %s", f, out)
		}
	}
}
