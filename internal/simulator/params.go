package simulator

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxRequestBody bounds what the simulator reads of a request body: RPC calls
// carry their parameters in the query, so anything large is a mistake.
const maxRequestBody = 1 << 20

// request is an incoming call with its parameters gathered: the query, and a
// form-encoded body when one is sent (both count for the V2 signature, the
// raw body for the V3 body hash).
type request struct {
	r      *http.Request
	body   []byte
	query  url.Values
	params url.Values
}

func readRequest(r *http.Request) (*request, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, &apiError{status: 400, code: "InvalidParams", message: "The request body could not be read."}
	}
	if len(body) > maxRequestBody {
		return nil, &apiError{status: 413, code: "RequestEntityTooLarge", message: "The request body is too large."}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &apiError{status: 400, code: "InvalidParams", message: "The query string is not well formed."}
	}
	req := &request{r: r, body: body, query: query, params: url.Values{}}
	for k, v := range query {
		req.params[k] = append(req.params[k], v...)
	}
	if len(body) > 0 {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return nil, &apiError{status: 400, code: "InvalidParams", message: "The form body is not well formed."}
			}
			for k, v := range form {
				req.params[k] = append(req.params[k], v...)
			}
		}
	}
	return req, nil
}

// param is the first value of a parameter, trimmed.
func (q *request) param(name string) string {
	return strings.TrimSpace(q.params.Get(name))
}

// list reads a list parameter in the flattened RPC form Name.1, Name.2, ...
// (ordered by the number). A plain Name holding a JSON array, or a single
// value, is accepted as well.
func (q *request) list(name string) ([]string, *apiError) {
	type item struct {
		n int
		v string
	}
	var items []item
	prefix := name + "."
	for k, vs := range q.params {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 {
			return nil, invalidParam(k)
		}
		for _, v := range vs {
			items = append(items, item{n, strings.TrimSpace(v)})
		}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].n < items[b].n })
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.v)
	}
	if plain := q.param(name); plain != "" {
		if strings.HasPrefix(plain, "[") {
			var arr []string
			if err := json.Unmarshal([]byte(plain), &arr); err != nil {
				return nil, invalidParam(name)
			}
			out = append(out, arr...)
		} else {
			out = append(out, plain)
		}
	}
	return out, nil
}
