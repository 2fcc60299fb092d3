package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ecinema/validate"
)

// cleanInput refuses text that cannot or should not be stored before any
// handler sees it: a NUL or another control character (validate.TextProblem)
// in the path, a query parameter or a text body (JSON, CSV, plain text),
// raw or as a JSON \u escape. PostgreSQL cannot store NUL (it was a 500);
// the others would be stored and printed into logs and exports. The body is
// read here in full (BodyLimit has capped it, so an oversized body, chunked
// or not, is a 413 here) and handed on unchanged, byte for byte, because
// idempotency hashes the exact bytes. The bytes it read are also kept in
// the context (readBody), so a handler does not copy them a second time.
func cleanInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if p := validate.TextProblem(r.URL.Path); p != "" {
			return inputError("path", p)
		}
		for name, vals := range r.URL.Query() {
			if p := validate.TextProblem(name); p != "" {
				return inputError("query", p)
			}
			for _, v := range vals {
				if p := validate.TextProblem(v); p != "" {
					return inputError(name, p)
				}
			}
		}
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || uploadRoutes[c.Path()] {
			return next(c) // file uploads are streamed and checked by their handler
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		isJSON := mt == "" || mt == echo.MIMEApplicationJSON || strings.HasSuffix(mt, "+json")
		if !isJSON && !strings.HasPrefix(mt, "text/") {
			return next(c) // binary uploads are the handler's business
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err // 413 from BodyLimit, or the client went away
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		c.Set(bodyKey, body)
		if p := validate.TextProblem(string(body)); p != "" {
			return inputError("body", p)
		}
		if isJSON {
			if bad := escapedControl(body); bad != "" {
				return inputError(jsonFieldOfBadString(body), "contains the control character "+bad)
			}
		}
		return next(c)
	}
}

func inputError(field, problem string) error {
	return &validate.Errors{Message: field + " " + problem,
		Fields: []validate.FieldError{{Field: field, Code: "invalid_text", Message: problem}}}
}

// escapedControl returns the first \u escape in a JSON text that decodes to
// a character TextProblem refuses ("U+0000"), or "".
func escapedControl(b []byte) string {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' || i+6 > len(b) {
			i++ // a two-byte escape such as \\ or \"
			continue
		}
		n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		if err == nil && validate.TextProblem(string(rune(n))) != "" && n != 0xfffd {
			return "U+" + strings.ToUpper(string(b[i+2:i+6]))
		}
		i += 5
	}
	return ""
}

// jsonFieldOfBadString names the field (a.b[2].c) of the first string, key
// or value, that TextProblem refuses; "body" when it cannot tell.
func jsonFieldOfBadString(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		array bool
		index int
		key   string
		isKey bool // the next string token in an object is a key
	}
	var stack []*level
	path := func() string {
		var sb strings.Builder
		for _, l := range stack {
			if l.array {
				sb.WriteString("[" + strconv.Itoa(l.index) + "]")
			} else if l.key != "" {
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(l.key)
			}
		}
		if sb.Len() == 0 {
			return "body"
		}
		return sb.String()
	}
	// after advances the enclosing container past one value.
	after := func() {
		if len(stack) == 0 {
			return
		}
		if l := stack[len(stack)-1]; l.array {
			l.index++
		} else {
			l.isKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "body"
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &level{isKey: true})
			case '[':
				stack = append(stack, &level{array: true})
			default:
				stack = stack[:len(stack)-1]
				after()
			}
		case string:
			if len(stack) > 0 && !stack[len(stack)-1].array && stack[len(stack)-1].isKey {
				l := stack[len(stack)-1]
				l.key, l.isKey = t, false
				if validate.TextProblem(t) != "" {
					return path()
				}
				continue
			}
			if validate.TextProblem(t) != "" {
				return path()
			}
			after()
		default:
			after()
		}
	}
}

const bodyKey = "body"

// readBody returns the request body: the bytes cleanInput read, or, for a
// body it did not read (a binary or streamed upload), all of it now.
func readBody(c echo.Context) ([]byte, error) {
	if b, ok := c.Get(bodyKey).([]byte); ok {
		return b, nil
	}
	return io.ReadAll(c.Request().Body)
}
