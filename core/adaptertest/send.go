package adaptertest

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// Send sends one request with the headers as given (a name repeated makes
// repeated header lines; names are sent as written), does not follow
// redirects, and returns the response with its whole body. Any transport
// error fails the test. resp.Request is the request as sent.
func Send(t testing.TB, method, url string, headers ...[2]string) (*http.Response, []byte) {
	t.Helper()
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return SendWith(t, &http.Client{CheckRedirect: noRedirect}, method, url, headers...)
}

// SendWith is Send through client (e.g. one that keeps a single connection).
func SendWith(t testing.TB, client *http.Client, method, url string, headers ...[2]string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		hr.Header[h[0]] = append(hr.Header[h[0]], h[1])
	}
	resp, err := client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
