package meshydb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// endpoint is a base URL ending in "/{clientKey}/"; routes are appended to it.
type endpoint string

// call is one request on the request path. Endpoints describe what to send;
// requester.do does everything else.
type call struct {
	method string
	base   endpoint
	route  string     // below base, with every dynamic segment escaped
	name   string     // route template for logs, e.g. "users/{id}"; route if empty
	query  url.Values // appended to the URL when non-empty
	body   any        // sent as JSON when non-nil
	form   url.Values // sent form-encoded when non-nil (the auth host's calls)
	bearer string     // access token for the Authorization header, if any
}

// encode returns the request body and its content type; no body gives nil.
func (c *call) encode() (payload []byte, contentType string, err error) {
	switch {
	case c.form != nil:
		return []byte(c.form.Encode()), "application/x-www-form-urlencoded", nil
	case c.body != nil:
		payload, err = marshalJSON(c.body)
		return payload, "application/json", err
	}
	return nil, "", nil
}

// template returns the route with its dynamic segments left as names.
func (c *call) template() string {
	if c.name != "" {
		return c.name
	}
	return c.route
}

// requester is the one request path shared by every call: it builds the URL
// and headers, encodes the body, sends and retries, reads the answer with a
// size cap, maps errors, logs, and always drains and closes the response
// body.
type requester struct {
	client    *http.Client
	tenant    string
	userAgent string
	maxBody   int64
	timeout   time.Duration // bound on a whole call; 0 for a caller's client
	retry     RetryPolicy
	logger    *slog.Logger
}

// DefaultMaxResponseBytes is the default cap on the size of a successful
// response body; a larger body fails with [ErrResponseTooLarge]. See
// [WithMaxResponseBytes].
const DefaultMaxResponseBytes = 4 << 20

// drainLimit is how much of an unread body is discarded so that the
// connection can be reused; past it, closing the connection is cheaper.
const drainLimit = 64 << 10

func newRequester(cfg config, tenant string) requester {
	ua := "meshydb-go/" + Version
	if cfg.userAgent != "" {
		ua += " " + cfg.userAgent
	}
	r := requester{
		client:    cfg.httpClient,
		tenant:    tenant,
		userAgent: ua,
		maxBody:   cfg.maxBody,
		retry:     cfg.retry,
		logger:    cfg.logger,
	}
	if r.client == nil {
		r.client, r.timeout = defaultHTTPClient, DefaultTimeout
	}
	return r
}

// do sends c, retrying as the policy allows, and decodes a successful JSON
// answer into out, unless out is nil or the answer has no body (empty or
// JSON null). A non-2xx answer returns an *APIError.
func (r *requester) do(ctx context.Context, c *call, out any) error {
	if ctx == nil {
		return invalidArgument("ctx", "must not be nil")
	}
	payload, contentType, err := c.encode()
	if err != nil {
		return fmt.Errorf("meshydb: encoding %s request: %w", c.template(), err)
	}
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rawURL := string(c.base) + c.route
	if len(c.query) > 0 {
		rawURL += "?" + c.query.Encode()
	}
	return r.retrying(ctx, c, func(int) attempt {
		return r.send(ctx, c, rawURL, payload, contentType, out)
	})
}

// bound applies the SDK's own client's overall timeout, if any, to ctx.
func (r *requester) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, r.timeout)
}

// retrying makes attempts at c with try (given the attempt number, from 1)
// until one succeeds, one fails in a way that is not retried, or the policy
// gives up; it logs every attempt and waits between them.
func (r *requester) retrying(ctx context.Context, c *call, try func(n int) attempt) error {
	for n := 1; ; n++ {
		start := time.Now()
		res := try(n)
		r.logAttempt(ctx, c, n, res.status, time.Since(start), res.err)
		if res.err == nil {
			return nil
		}
		if !res.retryable {
			return withAttempts(res.err, n)
		}
		wait, retry := r.retry.retryWait(c.method, n, res.err)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			retry = false // the deadline would pass while waiting
		}
		if !retry {
			return withAttempts(res.err, n)
		}
		r.logRetry(ctx, c, n, wait, res.err)
		if err := sleep(ctx, wait); err != nil {
			return &retryInterrupted{c.method, c.template(), err, withAttempts(res.err, n)}
		}
	}
}

// doer sends calls: the requester for calls without a token, a Client for
// calls with one.
type doer interface {
	do(ctx context.Context, c *call, out any) error
}

// fetch sends c through d and returns the answer decoded into a new T. An
// answer with no body fails with ErrEmptyResponse, since the caller expects
// a value.
func fetch[T any](ctx context.Context, d doer, c *call) (*T, error) {
	var answer present[T]
	if err := d.do(ctx, c, &answer); err != nil {
		return nil, err
	}
	if answer.value == nil {
		return nil, fmt.Errorf("%w from %s %s", ErrEmptyResponse, c.method, c.template())
	}
	return answer.value, nil
}

// present decodes a value that is there only if the answer had a body.
type present[T any] struct{ value *T }

func (p *present[T]) UnmarshalJSON(data []byte) error {
	p.value = new(T)
	return decodeJSON(data, p.value)
}

// decodeJSON decodes a whole answer body into out, handing it straight to
// out's own UnmarshalJSON when it has one: json.Unmarshal would first scan
// the body twice, to validate it and to find its end, and these decoders
// check their input themselves.
func decodeJSON(body []byte, out any) error {
	if u, ok := out.(json.Unmarshaler); ok {
		return u.UnmarshalJSON(body)
	}
	return json.Unmarshal(body, out)
}

// attempt is the outcome of sending a call once.
type attempt struct {
	status    int   // the answer's status; 0 when none arrived
	err       error // nil on success
	retryable bool  // err is a transport failure or a non-2xx answer
}

// send makes one attempt at c and decodes a successful answer into out.
func (r *requester) send(ctx context.Context, c *call, rawURL string, payload []byte, contentType string, out any) attempt {
	if err := ctx.Err(); err != nil {
		// Not every transport checks the context before sending.
		return attempt{err: fmt.Errorf("meshydb: %s %s: %w", c.method, c.template(), err)}
	}
	req, err := http.NewRequestWithContext(ctx, c.method, rawURL, bodyReader(payload))
	if err != nil {
		return attempt{err: fmt.Errorf("meshydb: building %s request: %w", c.template(), err)}
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := r.roundTrip(req, contentType)
	if err != nil {
		return attempt{err: fmt.Errorf("meshydb: %w", err), retryable: true}
	}
	defer closeBody(resp.Body)

	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer releaseBuffer(buf)
	res := attempt{status: resp.StatusCode}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := readCapped(buf, resp.Body, maxErrorBody)
		res.err, res.retryable = newAPIError(c.method, redactURL(req.URL), resp, body), true
		return res
	}
	body, err := readCapped(buf, resp.Body, r.maxBody)
	if err != nil {
		res.err = fmt.Errorf("meshydb: %s %s: reading response: %w", c.method, redactURL(req.URL), err)
		return res
	}
	if out != nil && !isEmptyJSON(body) {
		if err := decodeJSON(body, out); err != nil {
			res.err = fmt.Errorf("meshydb: %s %s: decoding response: %w", c.method, redactURL(req.URL), err)
		}
	}
	return res
}

// withAttempts records in err how many attempts were made. Only an
// *APIError has room for the count when there was one attempt.
func withAttempts(err error, attempts int) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = attempts
		return err
	}
	if attempts < 2 {
		return err
	}
	return fmt.Errorf("%w (after %d attempts)", err, attempts)
}

// retryInterrupted is the error of a call whose context ended while it
// waited to retry: it matches the context's error and keeps the last
// failure reachable too.
type retryInterrupted struct {
	method, route string
	ctxErr, last  error
}

func (e *retryInterrupted) Error() string {
	return fmt.Sprintf("meshydb: %s %s: %v while waiting to retry; last failure: %s",
		e.method, e.route, e.ctxErr, strings.TrimPrefix(e.last.Error(), "meshydb: "))
}

func (e *retryInterrupted) Unwrap() []error { return []error{e.ctxErr, e.last} }

// roundTrip is where every request leaves the SDK, including the OAuth2
// grants that x/oauth2 makes: it sets the common headers and sends req
// through the configured client.
func (r *requester) roundTrip(req *http.Request, contentType string) (*http.Response, error) {
	r.setHeaders(req.Header, contentType)
	return r.client.Do(req)
}

// setHeaders sets the headers every MeshyDB request carries, API and auth
// alike; contentType is empty for a request without a body.
func (r *requester) setHeaders(h http.Header, contentType string) {
	h.Set("Accept", "application/json")
	h.Set("User-Agent", r.userAgent)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if r.tenant != "" {
		h.Set("Tenant", r.tenant)
	}
}

// bodyReader returns nil for no payload, so that the request carries no body
// at all rather than an empty one.
func bodyReader(payload []byte) io.Reader {
	if payload == nil {
		return nil
	}
	return bytes.NewReader(payload)
}

// bodyBuffers recycles the buffers answers are read into: decoding copies
// what it keeps, so a buffer is free again once the answer is decoded.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer put back into bodyBuffers, so that
// one huge answer does not stay in memory for good.
const maxPooledBuffer = 1 << 20

func releaseBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		buf.Reset()
		bodyBuffers.Put(buf)
	}
}

// readCapped reads all of body into buf, failing with ErrResponseTooLarge
// once more than limit bytes arrive. The result aliases buf.
func readCapped(buf *bytes.Buffer, body io.Reader, limit int64) ([]byte, error) {
	_, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if int64(buf.Len()) > limit {
		return buf.Bytes()[:limit], fmt.Errorf("%w (over %d bytes)", ErrResponseTooLarge, limit)
	}
	return buf.Bytes(), err
}

// closeBody discards what is left of a body, up to drainLimit, and closes
// it, so the connection goes back to the pool even after an error.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

// isEmptyJSON reports whether a success body carries no value: MeshyDB
// answers some calls with an empty body and others with "null".
func isEmptyJSON(body []byte) bool {
	body = bytes.TrimSpace(body)
	return len(body) == 0 || string(body) == "null"
}

// redactURL returns u as text without its query, which may carry search
// terms, for use in errors and logs.
func redactURL(u *url.URL) string {
	if u.RawQuery == "" {
		return u.String()
	}
	v := *u
	v.RawQuery = ""
	return v.String()
}
