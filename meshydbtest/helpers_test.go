package meshydbtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newServer starts a server on a fake clock, closed when the test ends.
func newServer(t *testing.T, opts ...meshydbtest.Option) (*meshydbtest.Server, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 12, 4, 19, 0, 0, 0, time.UTC)}
	srv := meshydbtest.NewServer(append([]meshydbtest.Option{meshydbtest.WithClock(clock.Now)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, clock
}

// newDB returns an SDK for the default account and tenant on srv.
func newDB(t *testing.T, srv *meshydbtest.Server, tenant string) *meshydb.MeshyDB {
	t.Helper()
	return newDBFor(t, srv, meshydbtest.DefaultClientKey, tenant, meshydbtest.DefaultPublicKey)
}

func newDBFor(t *testing.T, srv *meshydbtest.Server, clientKey, tenant, publicKey string) *meshydb.MeshyDB {
	t.Helper()
	db, err := meshydb.New(clientKey, tenant, publicKey, meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	require.NoError(t, err)
	return db
}

// addVerified seeds a verified, active user in the default account.
func addVerified(srv *meshydbtest.Server, tenant, username, password string, roles ...string) string {
	return srv.AddUser(meshydbtest.DefaultClientKey, tenant, meshydbtest.SeedUser{
		Username:     username,
		Password:     password,
		EmailAddress: username + "@example.com",
		Roles:        roles,
	})
}

// login signs username in, failing the test if it cannot.
func login(t *testing.T, db *meshydb.MeshyDB, username, password string) *meshydb.Client {
	t.Helper()
	c, err := db.Login(t.Context(), username, password)
	require.NoError(t, err)
	return c
}

// apiError returns err as an *APIError, failing the test if it is not one.
func apiError(t *testing.T, err error) *meshydb.APIError {
	t.Helper()
	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	return apiErr
}

// rawResponse is an answer read whole by the raw-HTTP helpers.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// decode decodes the answer's JSON body into a new T.
func decodeRaw[T any](t *testing.T, res rawResponse) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(res.body, &v), "body: %s", res.body)
	return v
}

// send makes a raw request to srv, below /{DefaultClientKey}/ (or, for a
// route starting with "/", below the root), with optional headers given as
// name, value pairs.
func send(t *testing.T, srv *meshydbtest.Server, method, route string, body io.Reader, contentType string, headers ...string) rawResponse {
	t.Helper()
	if !strings.HasPrefix(route, "/") {
		route = "/" + meshydbtest.DefaultClientKey + "/" + route
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+route, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: data}
}

// postForm posts form to route.
func postForm(t *testing.T, srv *meshydbtest.Server, route string, form url.Values, headers ...string) rawResponse {
	t.Helper()
	return send(t, srv, http.MethodPost, route, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", headers...)
}

// postJSON posts v as JSON to route.
func postJSON(t *testing.T, srv *meshydbtest.Server, route string, v any, headers ...string) rawResponse {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return send(t, srv, http.MethodPost, route, bytes.NewReader(data), "application/json", headers...)
}

// passwordToken gets an access token for username with a raw password
// grant.
func passwordToken(t *testing.T, srv *meshydbtest.Server, username, password string, headers ...string) string {
	t.Helper()
	res := postForm(t, srv, "connect/token", url.Values{
		"client_id":  {meshydbtest.DefaultPublicKey},
		"grant_type": {"password"},
		"username":   {username},
		"password":   {password},
		"scope":      {"meshy.api offline_access"},
	}, headers...)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	return decodeRaw[map[string]any](t, res)["access_token"].(string)
}
