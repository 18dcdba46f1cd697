package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/valyala/fasthttp"
)

// fiberHandler runs the fiber app for one net/http request. It does what
// fiber's adaptor.FiberApp does, plus three things that adaptor cannot:
// a streamed body (SSE, exports) is copied as it is written, with a flush
// per chunk, and stops when the caller goes; a unix-socket caller (whose
// address is not TCP) is served; and the request's identity and context
// reach the handler through Locals.
func (s *Server) fiberHandler(w http.ResponseWriter, r *http.Request) {
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	if r.Body != nil {
		n, err := io.Copy(req.BodyWriter(), r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeEnvelope(w, apiErr(http.StatusRequestEntityTooLarge, "BodyTooLarge", "request body is larger than %d bytes", MaxBodyBytes))
				return
			}
			writeEnvelope(w, errBadRequest("BodyUnreadable", "reading the request body: %v", err))
			return
		}
		req.Header.SetContentLength(int(n))
	}
	req.Header.SetMethod(r.Method)
	req.SetRequestURI(r.RequestURI)
	req.SetHost(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	remote, err := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	if err != nil {
		remote = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} // the unix socket
	}

	var fctx fasthttp.RequestCtx
	fctx.Init(req, remote, nil)
	ri, _ := r.Context().Value(requestKey{}).(*requestInfo)
	if ri == nil {
		ri = &requestInfo{}
	}
	ri.ctx = r.Context()
	fctx.SetUserValue(requestKey{}, ri)
	s.app.Handler()(&fctx)
	defer fctx.Response.Reset()

	fctx.Response.Header.VisitAll(func(k, v []byte) {
		if string(k) == "Content-Length" && fctx.Response.IsBodyStream() {
			return
		}
		w.Header().Add(string(k), string(v))
	})
	w.WriteHeader(fctx.Response.StatusCode())
	if !fctx.Response.IsBodyStream() {
		_, _ = w.Write(fctx.Response.Body())
		return
	}
	stream := fctx.Response.BodyStream()
	defer func() {
		if c, ok := stream.(io.Closer); ok {
			_ = c.Close()
		}
	}()
	flusher, _ := w.(http.Flusher)
	copyDone := make(chan struct{})
	defer close(copyDone)
	go func() {
		// A caller that goes away ends the stream even while nothing is written.
		select {
		case <-r.Context().Done():
			if c, ok := stream.(io.Closer); ok {
				_ = c.Close()
			}
		case <-copyDone:
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := stream.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

// ctxOf is the context of the caller's request: it ends when they go.
func ctxOf(ri *requestInfo) context.Context {
	if ri.ctx != nil {
		return ri.ctx
	}
	return context.Background()
}
