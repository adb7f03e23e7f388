package core

import (
	"net/url"
	"strings"
)

// A proof's htu is compared with the request's URI after the normalisation
// RFC 9449 §4.3 asks for: RFC 3986 §6.2.2 (syntax: scheme and host in lower
// case, percent-encodings in upper case, unreserved characters decoded, dot
// segments removed) and §6.2.3 (scheme: the default port dropped, an empty
// path is "/"). The origin is never the request's Host: it is one of
// DPoPConfig.URLs.

// htuOrigin writes u's scheme and authority normalised:
// "HTTPS://API.Example.com:443" is "https://api.example.com".
func htuOrigin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	port := u.Port()
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

// matchHTU reports whether htu names the request whose path (as sent,
// escaped) is path at one of bases. An htu with a query or fragment, user
// information or a scheme other than http and https matches nothing: htu is
// the target URI without them (RFC 9449 §4.2).
func matchHTU(htu, path string, bases []baseURL) bool {
	if strings.ContainsAny(htu, "?#") {
		return false
	}
	u, err := url.Parse(htu)
	if err != nil || u.User != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	if s := strings.ToLower(u.Scheme); s != "https" && s != "http" {
		return false
	}
	origin, got := htuOrigin(u), normalizePath(u.EscapedPath())
	want := normalizePath(path)
	for _, b := range bases {
		if b.origin == origin && got == b.path+want {
			return true
		}
	}
	return false
}

// normalizePath applies RFC 3986 §6.2.2 and §6.2.3 to an escaped path:
// percent-encodings of unreserved characters decoded, the others in upper
// case, dot segments removed, "" made "/".
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' || i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			b.WriteByte(c)
			continue
		}
		v := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(v) {
			b.WriteByte(v)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return removeDotSegments(b.String())
}

// removeDotSegments is RFC 3986 §5.2.4's algorithm for an absolute path.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// isUnreserved: RFC 3986 §2.3 ALPHA / DIGIT / "-" / "." / "_" / "~".
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
