package origin

import "testing"

func TestParse(t *testing.T) {
	rows := []struct{ in, want string }{
		{"https://www.example.com", "https://www.example.com"},
		{"https://WWW.Example.com:443", "https://www.example.com"},
		{"HTTP://api.example.test:80/", "http://api.example.test"},
		{"http://127.0.0.1:8082", "http://127.0.0.1:8082"},
		{" https://a.example ", "https://a.example"},
		{"https://a.example:8443", "https://a.example:8443"},
	}
	for _, r := range rows {
		if got, err := Parse(r.in); err != nil || got != r.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", r.in, got, err, r.want)
		}
	}
	for _, bad := range []string{
		"www.example.com", "ftp://a.example", "https://a.example/api", "https://a.example?x=1",
		"https://a.example#f", "https://user@a.example", "https://*.example.com", "https://", "%zz",
	} {
		if got, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, got)
		}
	}
}
