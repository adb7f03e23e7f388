package core

import "strings"

// Transfer selects where the session token may come from.
type Transfer int

const (
	// TransferAny (default) tries the header sources first, then cookies when
	// the header has no token or its token fails verification.
	TransferAny Transfer = iota
	// TransferHeader reads only the Authorization header (and the optional
	// custom header and query parameter).
	TransferHeader
	// TransferCookie reads only cookies.
	TransferCookie
)

// String returns "any", "header" or "cookie".
func (t Transfer) String() string {
	switch t {
	case TransferAny:
		return "any"
	case TransferHeader:
		return "header"
	case TransferCookie:
		return "cookie"
	}
	return "invalid"
}

// Source says where a session token came from.
type Source string

// Token sources.
const (
	SourceAuthorization Source = "authorization"
	SourceCustomHeader  Source = "header"
	SourceQuery         Source = "query"
	SourceCookie        Source = "cookie"
)

// bearer extracts the token of an "Authorization: Bearer <token>" value.
// The scheme is case-insensitive (RFC 7235) and is followed by one or more
// spaces or tabs. ok is false when the scheme is not Bearer (another scheme
// such as Basic carries no session token); a Bearer value with no token or
// with white space inside the token is returned as malformed.
func bearer(v string) (token string, ok, malformed bool) { return credentials(v, "bearer") }

// credentials extracts the token of an Authorization value of scheme
// (lower case), as bearer does for "bearer": DPoP's token68 credentials
// (RFC 9449 §7.1) have the same form.
func credentials(v, scheme string) (token string, ok, malformed bool) {
	v = strings.TrimLeft(v, " \t")
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", false, false
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", true, true
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return "", false, false // e.g. "BearerX": another scheme
	}
	rest = strings.Trim(rest, " \t")
	// Three IndexByte scans, not ContainsAny: a token is hundreds of bytes
	// and IndexByte is vectorised, ContainsAny's byte set is not.
	if rest == "" || strings.IndexByte(rest, ' ') >= 0 || strings.IndexByte(rest, '\t') >= 0 || strings.IndexByte(rest, ',') >= 0 {
		return "", true, true
	}
	return rest, true, false
}

// cookieValue is one value of a session cookie name found in the request.
type cookieValue struct {
	name  string
	value string
}

// A request can carry many values of the session cookie, and a sibling
// subdomain can plant some ahead of the real one (browsers send cookies with
// longer paths first). maxCookieValues bounds how many distinct values core
// parses at all; maxCookieVerifications bounds how many of them may reach a
// signature check (the costly part). Values refused before any signature
// check (malformed, too large, type, algorithm, issuer, unknown key) do not
// count toward the second limit, so planted junk cannot push the real value
// out unless it fills all 32 places first (browsers send at most a few
// dozen cookies per name and path).
const (
	maxCookieValues        = 32
	maxCookieVerifications = 6
)

// cookieValues returns every value of every configured name, in the order
// of names (the current name first) and then of arrival, read from the raw
// Cookie header lines: a browser sends one value per domain/path the cookie
// was set on, and all of them matter. Exact duplicates are dropped; at most
// maxCookieValues values are returned. dups lists the names that came
// more than once.
func cookieValues(lines []string, names []string) (vals []cookieValue, dups []string) {
	for _, name := range names {
		seen := 0
		for _, line := range lines {
			for line != "" {
				var part string
				part, line, _ = strings.Cut(line, ";")
				part = strings.TrimLeft(part, " \t")
				k, v, ok := strings.Cut(part, "=")
				if !ok || strings.TrimRight(k, " \t") != name {
					continue
				}
				v = strings.Trim(v, " \t")
				if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				if v == "" {
					continue
				}
				seen++
				if seen == 2 {
					dups = append(dups, name)
				}
				if containsValue(vals, v) || len(vals) == maxCookieValues {
					continue
				}
				vals = append(vals, cookieValue{name: name, value: v})
			}
		}
	}
	return vals, dups
}

func containsValue(vals []cookieValue, v string) bool {
	for _, c := range vals {
		if c.value == v {
			return true
		}
	}
	return false
}
