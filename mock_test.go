package meshydb_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
)

// The recording mock MeshyDB shared by the password-recovery, session,
// user-management, verification and User-decoding tests.

// Fake hosts, distinct from the real ones, so that every URL a test checks
// says which host was hit.
const (
	mockAPIURL  = "https://api.test"
	mockAuthURL = "https://auth.test"
)

// noRetries makes every failed call a single request, so that tests can
// count requests exactly after error answers; faults_test.go covers
// retries.
var noRetries = meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 1})

// onMockHosts puts a MeshyDB on mockAPIURL and mockAuthURL, with retries
// off.
var onMockHosts = []meshydb.Option{
	meshydb.WithAPIURL(mockAPIURL),
	meshydb.WithAuthURL(mockAuthURL),
	noRetries,
}

// mockApp is the app that a mockServer's db and client methods build a
// MeshyDB for.
type mockApp struct {
	clientKey string
	publicKey string
	opts      []meshydb.Option // given to meshydb.New before the caller's own
}

// mockRequest is what a mockServer saw of one request.
type mockRequest struct {
	Method        string
	URL           string // req.URL.String()
	EscapedPath   string
	Path          string // decoded
	RawQuery      string
	Fragment      string
	Header        http.Header
	Body          []byte
	ContentLength int64
}

// mockServer is a per-test mocked MeshyDB on its own httpmock transport. It
// records every request in order and answers it from the route registered
// for its method and URL (handle, respond) or else from the reply for any
// request (reply, replyFunc). A request that nothing answers fails the
// test.
type mockServer struct {
	t   *testing.T
	app mockApp
	mt  *httpmock.MockTransport

	mu       sync.Mutex
	reqs     []mockRequest
	fallback func(mockRequest) (int, string)
}

// newMockServer returns a mockServer with no routes, whose db and client
// methods build MeshyDBs for app.
func newMockServer(t *testing.T, app mockApp) *mockServer {
	t.Helper()
	s := &mockServer{t: t, app: app, mt: httpmock.NewMockTransport()}
	s.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		r := s.record(req)
		s.mu.Lock()
		fallback := s.fallback
		s.mu.Unlock()
		if fallback == nil {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			return nil, errors.New("unexpected request")
		}
		status, body := fallback(r)
		return mockJSON(status, body)(req)
	})
	return s
}

// record reads and keeps req; it is safe to call from responders.
func (s *mockServer) record(req *http.Request) mockRequest {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		if err != nil {
			s.t.Errorf("reading request body: %v", err)
		}
	}
	r := mockRequest{
		Method:        req.Method,
		URL:           req.URL.String(),
		EscapedPath:   req.URL.EscapedPath(),
		Path:          req.URL.Path,
		RawQuery:      req.URL.RawQuery,
		Fragment:      req.URL.Fragment,
		Header:        req.Header.Clone(),
		Body:          body,
		ContentLength: req.ContentLength,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
	return r
}

// recording returns a responder that records each request in s and then
// answers it with next. It also serves responders registered on the global
// httpmock transport.
func (s *mockServer) recording(next httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		s.record(req)
		return next(req)
	}
}

// handle makes method+url answer with next. Registering the same route
// again replaces the answer.
func (s *mockServer) handle(method, url string, next httpmock.Responder) {
	s.mt.RegisterResponder(method, url, s.recording(next))
}

// respond makes method+url answer status with a JSON body.
func (s *mockServer) respond(method, url string, status int, body string) {
	s.handle(method, url, mockJSON(status, body))
}

// reply makes every request that has no route answer status with a JSON
// body.
func (s *mockServer) reply(status int, body string) {
	s.replyFunc(func(mockRequest) (int, string) { return status, body })
}

// replyFunc makes every request that has no route answer whatever fn says.
func (s *mockServer) replyFunc(fn func(mockRequest) (int, string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = fn
}

// requests returns the requests recorded so far, in order.
func (s *mockServer) requests() []mockRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mockRequest(nil), s.reqs...)
}

// only returns the single recorded request, failing the test if there is
// not exactly one.
func (s *mockServer) only() mockRequest {
	s.t.Helper()
	reqs := s.requests()
	require.Len(s.t, reqs, 1, "want exactly one request")
	return reqs[0]
}

// count returns how many requests were recorded so far.
func (s *mockServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// calls returns "METHOD URL" for every request so far, in order.
func (s *mockServer) calls() []string {
	var out []string
	for _, r := range s.requests() {
		out = append(out, r.Method+" "+r.URL)
	}
	return out
}

// reset forgets every request so far, in s and in the transport's call
// counters.
func (s *mockServer) reset() {
	s.mt.ZeroCallCounters()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// assertNotSent checks that no request reached the transport.
func (s *mockServer) assertNotSent() {
	s.t.Helper()
	assert.Zero(s.t, s.mt.GetTotalCallCount(), "no request may be sent")
	assert.Empty(s.t, s.requests(), "no request may be sent")
}

// db returns a MeshyDB for s's app whose requests go to s, made with the
// app's options and then opts.
func (s *mockServer) db(tenant string, opts ...meshydb.Option) *meshydb.MeshyDB {
	s.t.Helper()
	all := []meshydb.Option{meshydb.WithHTTPClient(&http.Client{Transport: s.mt})}
	all = append(all, s.app.opts...)
	all = append(all, opts...)
	db, err := meshydb.New(s.app.clientKey, tenant, s.app.publicKey, all...)
	require.NoError(s.t, err)
	return db
}

// client returns a session on s signed in with access token "at" and
// refresh token "rt", made without any request.
func (s *mockServer) client(tenant string) *meshydb.Client {
	s.t.Helper()
	c, err := s.db(tenant).Resume(&oauth2.Token{
		AccessToken: "at", RefreshToken: "rt", TokenType: "Bearer",
		Expiry: time.Now().Add(time.Hour),
	})
	require.NoError(s.t, err)
	return c
}

// mockJSON answers status with body, as application/json when there is a
// body.
func mockJSON(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		if body != "" {
			resp.Header.Set("Content-Type", "application/json")
		}
		return resp, nil
	}
}

// bodyMap decodes a JSON object body into a map, so that tests can look
// for keys that must not be there.
func bodyMap(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "body is not a JSON object: %s", body)
	return m
}

// requireInvalid checks that err wraps ErrInvalidArgument and names field.
func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, meshydb.ErrInvalidArgument)
	assert.Contains(t, err.Error(), field, "the error must name the field")
}
