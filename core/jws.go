package core

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The JWS compact serialisation (RFC 7515 §7.1) as this gate accepts it:
// three base64url segments in their one canonical spelling, a JOSE header
// and a claim set that are each one JSON object.

// compact is a token split and decoded, not yet verified. Only the
// members the gate decides on are read out of the JOSE header and the
// claim set, as the raw JSON text of their values ("" when absent); the
// whole claim set is decoded only when asked for (Session.Claims,
// ClaimsAs).
type compact struct {
	signingInput string // header.payload, what the signature covers
	sig          []byte
	header       [len(headerNames)]string
	claims       [len(claimNames)]string
}

// The members read out of a JOSE header and a claim set, by index.
var (
	headerNames = [...]string{"alg", "kid", "typ", "crit"}
	claimNames  = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "cnf"}
)

const (
	hAlg = iota
	hKid
	hTyp
	hCrit
)

const (
	cIss = iota
	cSub
	cAud
	cExp
	cNbf
	cIat
	cJti
	cSid
	cCnf
)

var (
	errNotCompact  = errors.New("not three canonical base64url segments")
	errJSONInvalid = errors.New("is not one JSON object")
)

// parseCompact splits and decodes tok. Errors are ErrMalformed with a fixed
// cause: a decoder's message could quote the token's content.
func parseCompact(tok string) (compact, *Error) {
	var c compact
	var err error
	c.signingInput, c.sig, err = decodeCompact(tok, headerNames[:], c.header[:], claimNames[:], c.claims[:])
	if err != nil {
		return c, newError(ErrMalformed, err)
	}
	return c, nil
}

// decodeCompact splits and decodes tok, a JWS compact serialisation, and
// reads the members hNames of its header into hVals and cNames of its claim
// set into cVals (readObject). Its errors are fixed texts. The three
// segments are decoded into one buffer, and header and claim set are read
// from one string copy of it: the values read out are substrings of it.
func decodeCompact(tok string, hNames, hVals, cNames, cVals []string) (signingInput string, sig []byte, err error) {
	h, p, s, ok := splitCompact(tok)
	if !ok {
		return "", nil, errNotCompact
	}
	enc := base64.RawURLEncoding
	hn, pn := enc.DecodedLen(len(h)), enc.DecodedLen(len(p))
	buf := make([]byte, hn+pn+enc.DecodedLen(len(s)))
	_, err1 := enc.Decode(buf[:hn], []byte(h))
	_, err2 := enc.Decode(buf[hn:hn+pn], []byte(p))
	_, err3 := enc.Decode(buf[hn+pn:], []byte(s))
	if err1 != nil || err2 != nil || err3 != nil {
		return "", nil, errNotCompact // unreachable after splitCompact
	}
	text := string(buf[:hn+pn])
	if err := readObject(buf[:hn], text[:hn], hNames, hVals, false); err != nil {
		return "", nil, fmt.Errorf("JOSE header %w", err)
	}
	if err := readObject(buf[hn:hn+pn], text[hn:], cNames, cVals, true); err != nil {
		return "", nil, fmt.Errorf("claim set %w", err)
	}
	return tok[:len(h)+1+len(p)], buf[hn+pn:], nil
}

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

// readObject checks that data (whose text is the same bytes as a string)
// is exactly one JSON object, as encoding/json reads it, then walks it with
// scanMembers, which sees what a decoded map cannot: names given twice,
// and the raw text of each top-level member named in names, stored in
// vals at the name's index. claimSet turns on the claim set's rule for
// registered names. Its errors are fixed texts: encoding/json's would
// quote the token's content.
func readObject(data []byte, text string, names []string, vals []string, claimSet bool) error {
	i := 0
	for i < len(data) && isJSONSpace(data[i]) {
		i++
	}
	if i == len(data) || data[i] != '{' || !json.Valid(data) {
		return errJSONInvalid
	}
	return scanMembers(data, text, names, vals, claimSet)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scanMembers walks data, a JSON object json.Valid has accepted, checks
// every member name and every number (one that does not fit a float64 is
// refused, as encoding/json refuses to decode it) and records the text of
// the top-level values named in names. Being valid JSON, data needs no checking: only strings (which may
// hold any bracket) and nesting are tracked. Names are refused when one
// object gives a name twice (RFC 7515 §5.2: refuse, or take the last, and
// taking the last lets two readers see two values) or two names equal
// under encoding/json's case folding, which ClaimsAs would merge into one
// struct field while Session.Claims keeps both; and, in a claim set's top
// level, a registered claim name in another case (Session reads "sub",
// ClaimsAs would fill Subject from a lone "SUB").
func scanMembers(data []byte, text string, names []string, vals []string, claimSet bool) error {
	var arenaBuf [32][]byte
	var frameBuf [8]nameFrame
	arena, frames := arenaBuf[:0], frameBuf[:0] // names of all open objects; each owns its tail
	expectName := false                         // whether the next string is a member name
	pending, valStart := -1, 0                  // the top-level value being read, and where it starts
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{', '[':
			frames = append(frames, nameFrame{object: data[i] == '{', start: len(arena)})
			expectName = data[i] == '{'
		case '}', ']':
			pending = endValue(len(frames), pending, vals, text[valStart:i])
			arena, frames = arena[:frames[len(frames)-1].start], frames[:len(frames)-1]
			expectName = false
		case ',':
			pending = endValue(len(frames), pending, vals, text[valStart:i])
			expectName = frames[len(frames)-1].object
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			end := numberEnd(data, i)
			if _, err := strconv.ParseFloat(text[i:end], 64); err != nil {
				return errJSONInvalid // as encoding/json refuses to decode it (1e400)
			}
			i = end - 1
		case '"':
			end := stringEnd(data, i)
			if expectName {
				name := memberName(data[i : end+1])
				top := len(frames) == 1
				if top && claimSet && !registeredSpelling(name) {
					return errRegisteredCase
				}
				var err error
				if arena, err = addName(arena, &frames[len(frames)-1], name); err != nil {
					return err
				}
				if top {
					pending, valStart = nameIndex(names, name), end+1
				}
			}
			i, expectName = end, false
		}
	}
	return nil
}

// endValue records value, the text of the member being read when a scan
// at depth (open objects and arrays) meets a ',' or a closing bracket, if
// that member is a top-level one names holds (pending, its index, is not
// -1). It returns the new pending: -1.
func endValue(depth, pending int, vals []string, value string) int {
	if depth == 1 && pending >= 0 {
		vals[pending] = trimValue(value)
		return -1
	}
	return pending
}

// nameIndex returns the index of name in names, or -1.
func nameIndex(names []string, name []byte) int {
	for i, n := range names {
		if string(name) == n {
			return i
		}
	}
	return -1
}

// trimValue is a member's value text without the colon and white space
// around it.
func trimValue(s string) string {
	return strings.Trim(s, " \t\r\n:")
}

var (
	errDuplicateName  = errors.New("names a member twice, or two that differ only in case")
	errRegisteredCase = errors.New("spells a registered claim name in another case")
)

// nameFrame is one open object or array of a scan.
type nameFrame struct {
	object bool
	start  int                 // this object's first name in the arena
	folded map[string]struct{} // fold keys, once the object has many names
}

// linearNames is how many names an object may have before they are kept
// by fold key: comparing each new name with all earlier ones would let a
// token of many names cost quadratic time before its signature is checked.
const linearNames = 16

// addName adds name to the object f, whose names are arena[f.start:] (or
// f.folded), and refuses it if the object already has it in any case.
func addName(arena [][]byte, f *nameFrame, name []byte) ([][]byte, error) {
	if f.folded != nil {
		k := string(foldName(name))
		if _, dup := f.folded[k]; dup {
			return arena, errDuplicateName
		}
		f.folded[k] = struct{}{}
		return arena, nil
	}
	for _, seen := range arena[f.start:] {
		if bytes.EqualFold(seen, name) {
			return arena, errDuplicateName
		}
	}
	arena = append(arena, name)
	if len(arena)-f.start > linearNames {
		f.folded = make(map[string]struct{}, 2*linearNames)
		for _, seen := range arena[f.start:] {
			f.folded[string(foldName(seen))] = struct{}{}
		}
		arena = arena[:f.start]
	}
	return arena, nil
}

// registeredSpelling reports whether name, if it is a registered claim
// name (RFC 7519 §4.1) in any case, is spelled exactly.
func registeredSpelling(name []byte) bool {
	for _, r := range [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"} {
		if bytes.EqualFold(name, []byte(r)) {
			return string(name) == r
		}
	}
	return true
}

// foldName returns a key equal for two names exactly when bytes.EqualFold
// holds for them, as encoding/json's own foldName does: ASCII letters upper
// case, other runes the smallest of their simple case-folding orbit.
func foldName(name []byte) []byte {
	out := make([]byte, 0, len(name))
	for i := 0; i < len(name); {
		if c := name[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(name[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
		i += size
	}
	return out
}

// numberEnd returns the index just after the number starting at data[start].
func numberEnd(data []byte, start int) int {
	i := start
	for i < len(data) && strings.IndexByte("+-.0123456789eE", data[i]) >= 0 {
		i++
	}
	return i
}

// stringEnd returns the index of the quote that closes the string opening
// at data[start].
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data) - 1 // unreachable in valid JSON
}

// memberName returns the name a quoted JSON string stands for: its bytes
// when plain ASCII, otherwise what encoding/json makes of it (escapes
// resolved, invalid UTF-8 replaced), so "e\u0078p" is exp as it is in the
// map.
func memberName(quoted []byte) []byte {
	plain := quoted[1 : len(quoted)-1]
	for _, c := range plain {
		if c == '\\' || c >= 0x80 {
			var s string
			json.Unmarshal(quoted, &s) // valid: json.Unmarshal accepted it as part of data
			return []byte(s)
		}
	}
	return plain
}
