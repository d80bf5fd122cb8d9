package meshydb

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxMessageLen caps APIError.Message, so a plain-text or HTML body cannot
// turn an error string into a page of text.
const maxMessageLen = 512

// newAPIError builds the APIError for a non-2xx answer from its status,
// headers and (already size-capped) body.
func newAPIError(method, url string, resp *http.Response, body []byte) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		URL:        url,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	if len(body) > 0 {
		e.Body = bytes.Clone(body[:min(len(body), maxErrorBody)])
	}
	e.Message, e.Code, e.FieldErrors = parseErrorBody(body)
	if e.Message == "" {
		e.Message = cmp.Or(http.StatusText(resp.StatusCode), "HTTP status "+strconv.Itoa(resp.StatusCode))
	}
	e.Message = truncate(strings.ToValidUTF8(e.Message, "\uFFFD"), maxMessageLen)
	return e
}

// parseErrorBody extracts a message, a machine code and field errors from
// any of the error-body shapes MeshyDB and the proxies in front of it send:
// OAuth2 errors, ASP.NET problem details, {"message": ...}, a JSON string or
// array of strings, plain text, an HTML page, or nothing.
func parseErrorBody(body []byte) (message, code string, fields map[string][]string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || string(body) == "null" {
		return "", "", nil
	}
	switch body[0] {
	case '{':
		if msg, code, fields, ok := parseErrorObject(body); ok {
			return msg, code, fields
		}
	case '"':
		var s string
		if json.Unmarshal(body, &s) == nil {
			return strings.TrimSpace(s), "", nil
		}
	case '[':
		var list []string
		if json.Unmarshal(body, &list) == nil {
			return strings.Join(list, "; "), "", nil
		}
	case '<':
		return htmlTitle(body), "", nil
	}
	return firstLine(body), "", nil
}

// errorObject is the union of the JSON error objects MeshyDB sends. Field
// names match case-insensitively, so {"Message": ...} is read too.
type errorObject struct {
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	Detail           string          `json:"detail"`
	Message          string          `json:"message"`
	Title            string          `json:"title"`
	Errors           json.RawMessage `json:"errors"`
}

func parseErrorObject(body []byte) (message, code string, fields map[string][]string, ok bool) {
	var obj errorObject
	if json.Unmarshal(body, &obj) != nil {
		return "", "", nil, false
	}
	var nested errorObject
	if json.Unmarshal(obj.Error, &code) != nil && json.Unmarshal(obj.Error, &nested) == nil {
		// {"error": {"message": "...", "code": ...}}
		obj.Message = firstNonBlank(obj.Message, nested.Message)
	}
	fields, list := parseFieldErrors(obj.Errors)
	message = firstNonBlank(obj.ErrorDescription, obj.Detail, obj.Message, obj.Title, strings.Join(list, "; "), code)
	return message, code, fields, true
}

// parseFieldErrors reads "errors" as {"Field": ["msg", ...]} or
// {"Field": "msg"} (the two may mix), or as ["msg", ...].
func parseFieldErrors(raw json.RawMessage) (fields map[string][]string, list []string) {
	var byField map[string]json.RawMessage
	if json.Unmarshal(raw, &byField) == nil && len(byField) > 0 {
		fields = make(map[string][]string, len(byField))
		for field, value := range byField {
			var one string
			var many []string
			if json.Unmarshal(value, &one) == nil {
				fields[field] = []string{one}
			} else if json.Unmarshal(value, &many) == nil {
				fields[field] = many
			}
		}
		return fields, nil
	}
	if json.Unmarshal(raw, &list) == nil {
		return nil, list
	}
	return nil, nil
}

// firstNonBlank returns the first non-blank string, trimmed.
func firstNonBlank(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// htmlTitle returns the <title> of an HTML error page, such as a proxy's
// "502 Bad Gateway", or "" so that the status text is used instead.
func htmlTitle(page []byte) string {
	lower := asciiLower(page) // same length as page, unlike bytes.ToLower
	open := bytes.Index(lower, []byte("<title"))
	if open < 0 {
		return ""
	}
	start := bytes.IndexByte(lower[open:], '>') // past any attributes
	if start < 0 {
		return ""
	}
	start += open + 1
	end := bytes.Index(lower[start:], []byte("</title>"))
	if end < 0 {
		return ""
	}
	return strings.Join(strings.Fields(string(page[start:start+end])), " ")
}

// asciiLower lower-cases the ASCII letters of b and leaves every other byte
// alone, so that offsets into the result are offsets into b.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// firstLine returns the first non-empty line of a plain-text body.
func firstLine(text []byte) string {
	for line := range strings.Lines(string(text)) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// truncate shortens s to at most n bytes, plus an ellipsis, without
// splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// parseRetryAfter reads a Retry-After value given as delay-seconds or as an
// HTTP date. It returns 0 for a missing, past or unreadable value. The
// result is what the server asked for; the retry policy decides how much of
// it to honour.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		const maxSecs = int64(math.MaxInt64 / time.Second)
		return time.Duration(min(max(secs, 0), maxSecs)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
