package core

import "strings"

// The JWS compact serialisation (RFC 7515 §7.1) as this gate accepts it:
// three base64url segments in their one canonical spelling.

// splitCompact returns the three segments of tok; ok is false unless tok has
// exactly three segments, each canonical base64url.
func splitCompact(tok string) (header, payload, sig string, ok bool) {
	header, rest, _ := strings.Cut(tok, ".")
	payload, sig, _ = strings.Cut(rest, ".")
	ok = strings.Count(tok, ".") == 2 && canonicalBase64URL(header) && canonicalBase64URL(payload) && canonicalBase64URL(sig)
	return header, payload, sig, ok
}

// canonicalBase64URL reports whether seg is unpadded base64url in the only
// spelling an encoder produces. Decoders are lenient in two ways that give
// one token many strings: Go's skips CR and LF anywhere, and most ignore
// the unused low bits of the last character (a segment of 4k+2 characters
// ends in 4 such bits, 4k+3 in 2). A cache or deny-list keyed on the token
// string must see one string per token, so both are refused here.
func canonicalBase64URL(seg string) bool {
	var v byte
	for i := 0; i < len(seg); i++ {
		var ok bool
		if v, ok = base64URLValue(seg[i]); !ok {
			return false
		}
	}
	switch len(seg) % 4 {
	case 1:
		return false // 6 bits cannot end a byte
	case 2:
		return v&0x0f == 0
	case 3:
		return v&0x03 == 0
	}
	return true
}

// base64URLValue is the 6-bit value of c in the base64url alphabet
// (RFC 4648 §5); ok is false for any other byte, "=" included.
func base64URLValue(c byte) (v byte, ok bool) {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A', true
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26, true
	case '0' <= c && c <= '9':
		return c - '0' + 52, true
	case c == '-':
		return 62, true
	case c == '_':
		return 63, true
	}
	return 0, false
}
