package dpop

import "strings"

// asksForNonce reports whether the WWW-Authenticate values hold a DPoP
// challenge whose error is use_dpop_nonce (RFC 9449 §9). The syntax is RFC
// 9110 §11.6.1: several challenges may share one line, separated by commas
// like their parameters; a parameter value is a token or a quoted string.
func asksForNonce(values []string) bool {
	for _, v := range values {
		if lineAsksForNonce(v) {
			return true
		}
	}
	return false
}

// lineAsksForNonce is asksForNonce for one header line.
func lineAsksForNonce(line string) bool {
	scheme := ""
	for _, item := range splitList(line) {
		if item == "" {
			continue // an empty list element is allowed and means nothing
		}
		name, rest := leadingToken(item)
		if name == "" {
			scheme = "" // not a challenge we can read
			continue
		}
		if value, ok := paramValue(rest); ok {
			if isNonceError(scheme, name, value) {
				return true
			}
			continue
		}
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			continue // a token68 ("abc=="): no parameter to read
		}
		// A new challenge: its scheme, then maybe its first parameter.
		scheme = name
		name, rest = leadingToken(strings.TrimLeft(rest, " \t"))
		if value, ok := paramValue(rest); ok && isNonceError(scheme, name, value) {
			return true
		}
	}
	return false
}

// isNonceError reports whether the parameter name=value of a challenge of
// scheme is DPoP's error="use_dpop_nonce".
func isNonceError(scheme, name, value string) bool {
	return strings.EqualFold(scheme, "DPoP") && strings.EqualFold(name, "error") && value == "use_dpop_nonce"
}

// splitList splits a header value at the commas outside quoted strings
// and trims each element.
func splitList(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			out = append(out, strings.Trim(s[start:i], " \t"))
			start = i + 1
		}
	}
	return append(out, strings.Trim(s[start:], " \t"))
}

// leadingToken splits s into the HTTP token it starts with and the rest.
func leadingToken(s string) (token, rest string) {
	i := 0
	for i < len(s) && isToken(s[i:i+1]) {
		i++
	}
	return s[:i], s[i:]
}

// paramValue reads rest as "= value" (with optional whitespace around
// "="), value a token or a quoted string and nothing after it.
func paramValue(rest string) (string, bool) {
	rest = strings.TrimLeft(rest, " \t")
	if rest == "" || rest[0] != '=' {
		return "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if rest == "" {
		return "", false
	}
	if rest[0] != '"' {
		v, tail := leadingToken(rest)
		return v, v != "" && tail == ""
	}
	var b strings.Builder
	for i := 1; i < len(rest); i++ {
		switch c := rest[i]; c {
		case '"':
			return b.String(), i == len(rest)-1
		case '\\':
			if i++; i == len(rest) {
				return "", false
			}
			b.WriteByte(rest[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
