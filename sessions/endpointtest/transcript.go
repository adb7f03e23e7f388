package endpointtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// transcript is an answer with what differs between two runs of the same
// row blanked: token values, session IDs, times and cookie lifetimes.
type transcript struct {
	status  int
	headers []string
	cookies []string
	body    string
}

// compared are the headers two mounts must send alike.
var compared = []string{"Allow", "Cache-Control", "Content-Type", "Location", "Referrer-Policy", "Retry-After", "WWW-Authenticate"}

var (
	// maxAge: the JWKS max-age counts down to the next key publication on
	// the real clock, so two mounts asked a moment apart may differ by a
	// second; only its presence is compared.
	maxAge      = regexp.MustCompile(`max-age=[0-9]+`)
	cookieValue = regexp.MustCompile(`^([^=]+)=[^;]+`)
	cookieLife  = regexp.MustCompile(`(Max-Age|Expires)=[^;]*`)
)

func normalise(resp *http.Response, body []byte) transcript {
	tr := transcript{status: resp.StatusCode, body: normaliseBody(body)}
	for _, k := range compared {
		for _, v := range resp.Header.Values(k) {
			if k == "Cache-Control" {
				v = maxAge.ReplaceAllString(v, "max-age=<seconds>")
			}
			tr.headers = append(tr.headers, k+": "+v)
		}
	}
	for _, line := range resp.Header.Values("Set-Cookie") {
		line = cookieValue.ReplaceAllString(line, "$1=<value>")
		line = cookieLife.ReplaceAllStringFunc(line, func(s string) string {
			if s == "Max-Age=0" || strings.HasPrefix(s, "Expires=Thu, 01 Jan 1970") {
				return s
			}
			k, _, _ := strings.Cut(s, "=")
			return k + "=<future>"
		})
		tr.cookies = append(tr.cookies, line)
	}
	return tr
}

// blanked are the JSON members whose values differ between runs.
var blanked = map[string]bool{
	"access_token": true, "refresh_token": true, "session_id": true, "id": true,
	"created_at": true, "last_used": true, "expires_at": true, "ip": true,
	"expires_in": true, "refresh_expires_in": true,
	"keys": true, // the JWKS: fresh keys per run
}

func normaliseBody(body []byte) string {
	var v any
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	out, _ := json.Marshal(blank(v))
	return string(out)
}

func blank(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if blanked[k] {
				x[k] = "<blank>"
			} else {
				x[k] = blank(e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = blank(e)
		}
	}
	return v
}

// diff says how got differs from tr, or "".
func (tr transcript) diff(got transcript) string {
	var d []string
	if tr.status != got.status {
		d = append(d, fmt.Sprintf("status %d, want %d", got.status, tr.status))
	}
	if !slices.Equal(tr.headers, got.headers) {
		d = append(d, fmt.Sprintf("headers %q, want %q", got.headers, tr.headers))
	}
	if !slices.Equal(tr.cookies, got.cookies) {
		d = append(d, fmt.Sprintf("Set-Cookie %q, want %q", got.cookies, tr.cookies))
	}
	if tr.body != got.body {
		d = append(d, fmt.Sprintf("body %s, want %s", got.body, tr.body))
	}
	return strings.Join(d, "; ")
}
