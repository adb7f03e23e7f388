package bench

import (
	"net/http"

	"github.com/valyala/fasthttp"
)

// Server runs one request through a Target in-process, again and again,
// reusing its response state, so that a benchmark measures the framework
// and its middleware rather than a recorder.
type Server struct {
	t   Target
	req *http.Request
	w   *writer
	ctx *fasthttp.RequestCtx
}

// NewServer prepares r for t.
func NewServer(t Target, r *http.Request) *Server {
	s := &Server{t: t, req: r}
	if t.HTTP != nil {
		s.w = &writer{h: http.Header{}}
		return s
	}
	s.ctx = &fasthttp.RequestCtx{}
	s.ctx.Request.Header.SetMethod(r.Method)
	s.ctx.Request.SetRequestURI(r.URL.RequestURI())
	s.ctx.Request.Header.SetHost(r.Host)
	for name, vals := range r.Header {
		for _, v := range vals {
			s.ctx.Request.Header.Add(name, v)
		}
	}
	return s
}

// Serve runs the request once and returns the response status and how
// many Set-Cookie lines it carried.
func (s *Server) Serve() (status, setCookies int) {
	if s.w != nil {
		clear(s.w.h)
		s.w.status = 0
		s.t.HTTP.ServeHTTP(s.w, s.req)
		return s.w.status, len(s.w.h["Set-Cookie"])
	}
	s.ctx.Response.Reset()
	s.ctx.ResetUserValues() // as fasthttp's server does after each request
	s.t.Fast(s.ctx)
	return s.ctx.Response.StatusCode(), len(s.ctx.Response.Header.PeekAll("Set-Cookie"))
}

// writer is a reusable http.ResponseWriter that keeps headers and status
// and drops the body.
type writer struct {
	h      http.Header
	status int
}

func (w *writer) Header() http.Header { return w.h }

func (w *writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *writer) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
