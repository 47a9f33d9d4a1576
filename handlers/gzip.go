package handlers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// Response compression (pages and JSON; static files are compressed once
// at start-up). A compressor holds about 800 KB, so none is held while a
// handler waits for the database: the body is collected first (pages are
// rendered into a buffer anyway) and compressed in one go with a pooled
// writer, so only as many compressors exist as responses are being
// compressed at that moment. A body that grows past gzipBufferMax (a CSV
// export) or is flushed switches to streaming and keeps its writer.
const (
	gzipLevel     = 5
	gzipMinLength = 512
	gzipBufferMax = 64 << 10
)

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzipLevel)
	return w
}}

var gzipBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// gzipResponses compresses responses for clients that accept gzip, unless
// skip says otherwise for the request.
func gzipResponses(skip func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) {
				return next(c)
			}
			res := c.Response()
			res.Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
			if !strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
				return next(c)
			}
			buf := gzipBuffers.Get().(*bytes.Buffer)
			buf.Reset()
			gw := &gzipWriter{ResponseWriter: res.Writer, buf: buf}
			res.Writer = gw
			defer func() {
				res.Writer = gw.ResponseWriter
				gw.finish()
				if buf.Cap() <= 4*gzipBufferMax {
					gzipBuffers.Put(buf)
				}
			}()
			return next(c)
		}
	}
}

// gzipWriter collects a response and compresses it when it is complete,
// or streams it once it is large or flushed.
type gzipWriter struct {
	http.ResponseWriter
	buf  *bytes.Buffer
	code int
	zw   *gzip.Writer // non-nil once streaming
}

func (w *gzipWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	if w.zw != nil {
		return w.zw.Write(b)
	}
	if w.Header().Get(echo.HeaderContentType) == "" {
		w.Header().Set(echo.HeaderContentType, http.DetectContentType(b))
	}
	n, _ := w.buf.Write(b)
	if w.buf.Len() > gzipBufferMax {
		return n, w.stream()
	}
	return n, nil
}

// stream starts sending compressed data: what is buffered, then every
// write as it comes.
func (w *gzipWriter) stream() error {
	w.startGzip()
	_, err := w.zw.Write(w.buf.Bytes())
	w.buf.Reset()
	return err
}

func (w *gzipWriter) startGzip() {
	h := w.Header()
	h.Set(echo.HeaderContentEncoding, "gzip")
	h.Del(echo.HeaderContentLength)
	w.zw = gzipWriters.Get().(*gzip.Writer)
	w.zw.Reset(w.ResponseWriter)
	w.ResponseWriter.WriteHeader(w.status())
}

func (w *gzipWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// finish sends what is buffered (compressed when it is worth it) and
// returns the writer to the pool.
func (w *gzipWriter) finish() {
	switch {
	case w.zw != nil:
		_ = w.zw.Close()
		w.zw.Reset(nil)
		gzipWriters.Put(w.zw)
		w.zw = nil
	case w.buf.Len() == 0:
		// No body: a redirect, a 204, or an error the error handler will
		// write (with no status set yet, nothing is sent here).
		if w.code != 0 {
			w.ResponseWriter.WriteHeader(w.code)
		}
	case w.buf.Len() < gzipMinLength:
		w.ResponseWriter.WriteHeader(w.status())
		_, _ = w.ResponseWriter.Write(w.buf.Bytes())
	default:
		_ = w.stream()
		w.finish()
	}
}

// Flush sends what there is so far, compressed (a long export that wants
// its first rows out); the rest of the response streams.
func (w *gzipWriter) Flush() {
	if w.zw == nil {
		_ = w.stream()
	}
	_ = w.zw.Flush()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack lets a handler take over the connection (never compressed then).
func (w *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *gzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
