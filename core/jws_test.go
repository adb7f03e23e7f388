package core

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonObjectSeeds are claim sets and near-misses for the scanner.
var jsonObjectSeeds = []string{
	`{}`, `{"a":1}`, `{"a":1,"b":[1,2,{"c":null}],"d":{"e":true,"f":"x"}}`,
	`{"exp":1,"nbf":"x","iat":[1]}`, `{"exp" : -1.5e+3 , "nbf":{"exp":2},"iat":[3]}`, `{"a":["exp",{"exp":1}],"exp":2}`,
	`{"":"exp","exp":"x"}`, `{"exp":1,"exp":"x"}`, `{"e\u0078p":1.5,"n\"bf":2,"iat\\":3}`, `{"a":"]}\"{[,","exp":4}`, `{"exp":1e400}`, "{\"\xff\":1,\"exp\":\t\n5}",
	`{"a":1,"A":2}`, `{"a":{"b":1,"B":2}}`, `{"a":[{"b":1},{"b":2}]}`, `{"SUB":1}`, `{"a":1,"a":2,"SUB":1}`, `{"SUB":1,"a":1,"a":2}`, `{"x":{"SUB":1}}`, "{\"\u017fub\":1,\"sub\":2}",
	`{"a":1,}`, `{"a":1}x`, `null`, `[]`, ``,
	`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `,"iat":0}`,
}

// readByTokens reads data with encoding/json's tokenizer, slow but an
// independent reading to check scanMembers by: the literal text of the
// top-level numbers, whether an object names a member twice or in two cases
// (compared with strings.EqualFold, not foldName), and whether the top
// level spells a registered claim name in another case.
func readByTokens(data []byte) (numbers map[string]string, dup, regCase bool) {
	numbers = map[string]string{}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var objects [][]string // names per open container; nil for arrays
	var isObject []bool
	key, haveKey := "", false
	for {
		tok, err := dec.Token()
		if err != nil {
			return numbers, dup, regCase
		}
		depth := len(objects)
		if haveKey { // tok starts the value of member key
			if n, ok := tok.(json.Number); ok && depth == 1 {
				numbers[key] = string(n)
			}
			haveKey = false
		} else if s, ok := tok.(string); ok && depth > 0 && isObject[depth-1] && dec.More() {
			key, haveKey = s, true // a member name: a value follows
			for _, seen := range objects[depth-1] {
				dup = dup || strings.EqualFold(seen, s)
			}
			objects[depth-1] = append(objects[depth-1], s)
			for _, r := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"} {
				regCase = regCase || depth == 1 && strings.EqualFold(s, r) && s != r
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			objects, isObject = append(objects, nil), append(isObject, tok == json.Delim('{'))
		case json.Delim('}'), json.Delim(']'):
			objects, isObject = objects[:depth-1], isObject[:depth-1]
		}
	}
}

func FuzzScanMembersAgreesWithTokenizer(f *testing.F) {
	for _, s := range jsonObjectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var vals [len(claimNames)]string
		var m map[string]any
		if json.Unmarshal(data, &m) != nil || m == nil {
			if err := readObject(data, string(data), claimNames[:], vals[:], true); err == nil {
				t.Fatalf("%q: accepted what json.Unmarshal refuses as an object", data)
			}
			return
		}
		err := readObject(data, string(data), claimNames[:], vals[:], true)
		numbers, dup, regCase := readByTokens(data)
		switch {
		case err == errRegisteredCase && regCase, err == errDuplicateName && dup:
			return // refused on purpose
		case err != nil || dup || regCase:
			t.Fatalf("%q: error %v; tokenizer finds duplicate %v, registered name in another case %v", data, err, dup, regCase)
		}
		for i, name := range claimNames {
			want, present := m[name]
			var got any
			if present != (vals[i] != "") || present && (json.Unmarshal([]byte(vals[i]), &got) != nil || !reflect.DeepEqual(got, want)) {
				t.Fatalf("%q: member %s read as %q; json.Unmarshal finds %v (present %v)", data, name, vals[i], want, present)
			}
			if n, ok := numbers[name]; ok && vals[i] != n {
				t.Fatalf("%q: member %s read as %q; the tokenizer's number is %q", data, name, vals[i], n)
			}
		}
	})
}

func FuzzFoldNameMatchesEqualFold(f *testing.F) {
	for _, p := range [][2]string{{"sub", "SUB"}, {"sub", "ſub"}, {"k", "\u212a"}, {"ß", "ẞ"}, {"a\xff", "a\xfe"}, {"σ", "ς"}, {"i", "İ"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := bytes.Equal(foldName([]byte(a)), foldName([]byte(b))), strings.EqualFold(a, b); got != want {
			t.Fatalf("foldName equal %v, EqualFold %v for %q, %q", got, want, a, b)
		}
	})
}
