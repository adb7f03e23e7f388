// Package origin writes web origins the way browsers send them in an Origin
// header, so that core's trusted website origins, the forwarding allow-list
// and the dev issuer's CORS origins compare alike.
package origin

import (
	"errors"
	"net/url"
	"strings"
)

// Of returns u's origin as a browser writes it: lower-case scheme and host,
// no default port (443 for https, 80 for http), nothing after the host.
func Of(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (scheme == "https" && strings.HasSuffix(host, ":443")) || (scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return scheme + "://" + host
}

// Parse checks that s is an http(s) origin (scheme and host, an optional
// port, nothing else: no user info, path, query, fragment or wildcard) and
// returns it as Of writes it. Its errors never repeat s.
func Parse(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case err != nil:
		return "", errors.New("is not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", errors.New("must start with https:// (or http:// for loopback development)")
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("must be an origin: scheme://host[:port], nothing else")
	case strings.Contains(u.Host, "*"):
		return "", errors.New("wildcards are not allowed: list each origin")
	}
	return Of(u), nil
}
