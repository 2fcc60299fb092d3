package api

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// compressLarge gzips the answers of at least minLength bytes to clients
// that accept gzip; smaller answers go out as they are.
//
// It replaces echo's Gzip middleware, which takes a gzip.Writer from its
// pool for every request that accepts gzip and closes it even when the
// answer stays under MinLength: closing makes the writer allocate its
// deflate state (about 1 MB), and the pool then holds one such writer per
// concurrent request. Under 256 concurrent POS clients (Go's HTTP client
// asks for gzip by default) that was most of the server's memory (peak RSS
// 357–452 MB for answers of ~200 bytes). Here a writer is taken only once
// an answer passes minLength.
func compressLarge(minLength int, skip func(echo.Context) bool) echo.MiddlewareFunc {
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
			w := &lazyGzip{ResponseWriter: res.Writer, min: minLength}
			res.Writer = w
			defer func() {
				w.finish()
				res.Writer = w.ResponseWriter
			}()
			return next(c)
		}
	}
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// lazyGzip buffers an answer until it reaches min bytes, then compresses
// it; an answer that ends shorter is written as it is.
type lazyGzip struct {
	http.ResponseWriter
	min         int
	buf         []byte
	code        int
	wroteHeader bool
	gz          *gzip.Writer
	plain       bool // decided: written uncompressed (the handler encoded it itself)
}

func (w *lazyGzip) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader, w.code = true, code
	}
}

func (w *lazyGzip) Write(b []byte) (int, error) {
	switch {
	case w.gz != nil:
		return w.gz.Write(b)
	case w.plain:
		return w.ResponseWriter.Write(b)
	}
	h := w.Header()
	if h.Get(echo.HeaderContentType) == "" {
		h.Set(echo.HeaderContentType, http.DetectContentType(b))
	}
	if len(w.buf)+len(b) < w.min {
		w.buf = append(w.buf, b...)
		return len(b), nil
	}
	if h.Get(echo.HeaderContentEncoding) != "" {
		w.plain = true
		w.sendHeader()
		if _, err := w.ResponseWriter.Write(w.buf); err != nil {
			return 0, err
		}
		w.buf = nil
		return w.ResponseWriter.Write(b)
	}
	if err := w.start(); err != nil {
		return 0, err
	}
	return w.gz.Write(b)
}

// start begins the compressed answer with what was buffered.
func (w *lazyGzip) start() error {
	h := w.Header()
	h.Del(echo.HeaderContentLength)
	h.Set(echo.HeaderContentEncoding, "gzip")
	w.sendHeader()
	w.gz = gzipWriters.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
	_, err := w.gz.Write(w.buf)
	w.buf = nil
	return err
}

func (w *lazyGzip) sendHeader() {
	if w.wroteHeader {
		w.ResponseWriter.WriteHeader(w.code)
	}
}

// Flush sends what is there: a streamed answer is compressed, since its
// length is not known.
func (w *lazyGzip) Flush() {
	if w.gz == nil && !w.plain {
		w.start()
	}
	if w.gz != nil {
		w.gz.Flush()
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *lazyGzip) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish ends the answer: closes the compressed stream and returns its
// writer to the pool, or writes a short answer as it is.
func (w *lazyGzip) finish() {
	switch {
	case w.gz != nil:
		w.gz.Close()
		w.gz.Reset(io.Discard)
		gzipWriters.Put(w.gz)
		w.gz = nil
	case w.plain:
	default:
		w.sendHeader()
		if len(w.buf) > 0 {
			w.ResponseWriter.Write(w.buf)
		}
	}
}
