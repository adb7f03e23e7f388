package endpointtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sessiongate/sessiongate/core/dpop"
)

// dpopCredential adds a DPoP credential to req and reports whether kind is
// one. Kinds:
//
//	proof=k1              a DPoP proof by key k1 for this request (no ath: a token endpoint)
//	proof=k1@/auth/x      a proof by k1 for POST on another path
//	proof-again           the proof the last step sent, once more
//	proof-raw=TEXT        DPoP: TEXT
//	proof-twice=k1        two DPoP headers, each a fresh proof by k1
//	access-dpop=s1@k1     Authorization: DPoP <access of s1> and a proof by k1 with its ath
//
// Proofs are signed with the current time (core/dpop signs with
// time.Now), so rows that send them never move the clock.
func (st *state) dpopCredential(t *testing.T, req *http.Request, kind, v string) bool {
	switch kind {
	case "proof":
		name, path, _ := strings.Cut(v, "@")
		st.addProof(t, req, name, path, "")
	case "proof-again":
		if st.lastProof == "" {
			t.Fatal("endpointtest: proof-again before any proof")
		}
		req.Header.Add("DPoP", st.lastProof)
	case "proof-raw":
		req.Header.Add("DPoP", v)
	case "proof-twice":
		st.addProof(t, req, v, "", "")
		st.addProof(t, req, v, "", "")
	case "access-dpop":
		saved, name, _ := strings.Cut(v, "@")
		tok := st.token(t, saved).access
		req.Header.Set("Authorization", "DPoP "+tok)
		st.addProof(t, req, name, "", tok)
	default:
		return false
	}
	return true
}

// addProof adds a proof by key name for req's method and path (or path,
// when not ""), at Origin, bound to the access token tok ("" for none).
func (st *state) addProof(t *testing.T, req *http.Request, name, path, tok string) {
	if path == "" {
		path = req.URL.Path
	}
	p, err := st.key(t, name).Proof(req.Method, Origin+path, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Add("DPoP", p)
	st.lastProof = p
}

// key returns the DPoP key called name, made on first use.
func (st *state) key(t *testing.T, name string) *dpop.Key {
	if k, ok := st.keys[name]; ok {
		return k
	}
	k, err := dpop.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	st.keys[name] = k
	return k
}
