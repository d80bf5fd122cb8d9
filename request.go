package meshydb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// endpoint is a base URL ending in "/{clientKey}/"; routes are appended to it.
type endpoint string

// call is one request on the request path. Endpoints describe what to send;
// requester.do does everything else.
type call struct {
	method string
	base   endpoint
	route  string     // below base, with every dynamic segment escaped
	query  url.Values // appended to the URL when non-empty
	body   any        // sent as JSON when non-nil
}

// requester is the one request path shared by every call: it builds the URL
// and headers, encodes the body, sends, reads the answer with a size cap,
// maps errors, and always drains and closes the response body.
type requester struct {
	client    *http.Client
	tenant    string
	userAgent string
	maxBody   int64
}

// DefaultMaxResponseBytes caps the size of a successful response body the
// SDK will read; a larger body fails with [ErrResponseTooLarge].
const DefaultMaxResponseBytes = 4 << 20

// drainLimit is how much of an unread body is discarded so that the
// connection can be reused; past it, closing the connection is cheaper.
const drainLimit = 64 << 10

func newRequester(cfg config, tenant string) requester {
	ua := "meshydb-go/" + Version
	if cfg.userAgent != "" {
		ua += " " + cfg.userAgent
	}
	client := cfg.httpClient
	if client == nil {
		client = defaultHTTPClient
	}
	return requester{client: client, tenant: tenant, userAgent: ua, maxBody: DefaultMaxResponseBytes}
}

// do sends c and decodes a successful JSON answer into out, unless out is
// nil or the answer has no body (empty or JSON null). A non-2xx answer
// returns an *APIError.
func (r *requester) do(ctx context.Context, c *call, out any) error {
	if ctx == nil {
		return invalidArgument("ctx", "must not be nil")
	}
	rawURL := string(c.base) + c.route
	if len(c.query) > 0 {
		rawURL += "?" + c.query.Encode()
	}
	var payload []byte
	if c.body != nil {
		var err error
		if payload, err = json.Marshal(c.body); err != nil {
			return fmt.Errorf("meshydb: encoding %s request: %w", c.route, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, c.method, rawURL, bodyReader(payload))
	if err != nil {
		return fmt.Errorf("meshydb: building %s request: %w", c.route, err)
	}
	r.setHeaders(req.Header, payload != nil)

	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("meshydb: %w", err)
	}
	defer closeBody(resp.Body)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := readCapped(resp.Body, maxErrorBody)
		return newAPIError(c.method, redactURL(req.URL), resp, body)
	}
	body, err := readCapped(resp.Body, r.maxBody)
	if err != nil {
		return fmt.Errorf("meshydb: %s %s: reading response: %w", c.method, redactURL(req.URL), err)
	}
	if out == nil || isEmptyJSON(body) {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("meshydb: %s %s: decoding response: %w", c.method, redactURL(req.URL), err)
	}
	return nil
}

func (r *requester) setHeaders(h http.Header, hasBody bool) {
	h.Set("Accept", "application/json")
	h.Set("User-Agent", r.userAgent)
	if hasBody {
		h.Set("Content-Type", "application/json")
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

// readCapped reads all of body, failing with ErrResponseTooLarge once more
// than limit bytes arrive.
func readCapped(body io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("%w (over %d bytes)", ErrResponseTooLarge, limit)
	}
	return data, err
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
