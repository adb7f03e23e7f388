package core

import (
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
	`{"a":1,}`, `{"a":1}x`, `null`, `[]`, ``,
	`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `,"iat":0}`,
}

// datesByTokens finds the top-level date literals with encoding/json's
// tokenizer: slow, but an independent reading to check scanMembers by.
func datesByTokens(data []byte) dateLiterals {
	var d dateLiterals
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	depth, key, haveKey := 0, "", false
	for {
		tok, err := dec.Token()
		if err != nil {
			return d
		}
		if haveKey { // tok starts the value of member key
			n, _ := tok.(json.Number)
			d.setLiteral(key, string(n))
			haveKey = false
		} else if s, ok := tok.(string); ok && depth == 1 && dec.More() {
			key, haveKey = s, true // a member name: a value follows
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

func (d *dateLiterals) setLiteral(name, lit string) {
	switch name {
	case "exp":
		d.exp = lit
	case "nbf":
		d.nbf = lit
	case "iat":
		d.iat = lit
	}
}

func FuzzScanMembersAgreesWithTokenizer(f *testing.F) {
	for _, s := range jsonObjectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil || m == nil {
			if _, err := decodeJSONObject(data, nil); err == nil {
				t.Fatalf("%q: accepted what json.Unmarshal refuses as an object", data)
			}
			return
		}
		var got dateLiterals
		obj, err := decodeJSONObject(data, &got)
		if err != nil || !reflect.DeepEqual(obj, m) {
			t.Fatalf("%q: decoded %v, %v; json.Unmarshal %v", data, obj, err, m)
		}
		if want := datesByTokens(data); got != want {
			t.Fatalf("%q: scanMembers found dates %+v, the tokenizer %+v", data, got, want)
		}
	})
}
