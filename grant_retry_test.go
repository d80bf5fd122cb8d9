package meshydb_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// grantServer answers connect/token with the given statuses in turn, then
// with a token, and records every form it received.
func grantServer(t *testing.T, statuses ...int) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var forms []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n := len(forms)
		forms = append(forms, string(body))
		mu.Unlock()
		if n < len(statuses) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(statuses[n])
			_, _ = io.WriteString(w, `{"error":"temporarily_unavailable"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"at","expires_in":3600,"token_type":"Bearer","refresh_token":"rt"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), forms...)
	}
}

func grantDB(t *testing.T, srv *httptest.Server) *meshydb.MeshyDB {
	db, err := meshydb.New("acme", "", "pk",
		meshydb.WithHTTPClient(srv.Client()), meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL),
		meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 3, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	require.NoError(t, err)
	return db
}

// A token grant answered 503 or 429 is sent again, with the whole form.
func TestLoginRetriesUnavailableTokenEndpoint(t *testing.T) {
	srv, forms := grantServer(t, http.StatusServiceUnavailable, http.StatusTooManyRequests)

	client, err := grantDB(t, srv).Login(t.Context(), "bob", "s3cret")

	require.NoError(t, err)
	got := forms()
	require.Len(t, got, 3)
	assert.Equal(t, got[0], got[1])
	assert.Equal(t, got[0], got[2])
	assert.Contains(t, got[0], "password=s3cret")
	assert.Equal(t, "rt", client.RefreshToken())
}

// When the token endpoint stays unavailable, the grant error says how many
// attempts were made and keeps the last answer.
func TestLoginGivesUpOnTokenEndpoint(t *testing.T) {
	srv, forms := grantServer(t, 503, 503, 503, 503)

	_, err := grantDB(t, srv).Login(t.Context(), "bob", "s3cret")

	var apiErr *meshydb.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, meshydb.ErrServer)
	assert.Equal(t, 3, apiErr.Attempts)
	assert.Equal(t, "temporarily_unavailable", apiErr.Code)
	assert.Len(t, forms(), 3)
	assert.NotContains(t, err.Error(), "s3cret")
}

// A grant answered 400 is final: invalid credentials are not retried.
func TestLoginDoesNotRetryInvalidGrant(t *testing.T) {
	srv, forms := grantServer(t, http.StatusBadRequest)

	_, err := grantDB(t, srv).Login(t.Context(), "bob", "s3cret")

	require.ErrorIs(t, err, meshydb.ErrBadRequest)
	assert.Len(t, forms(), 1)
}

// A token grant that cannot connect is retried (nothing was sent) and the
// error still unwraps to the network failure.
func TestLoginRetriesConnectFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more

	db, err := meshydb.New("acme", "", "pk", meshydb.WithAPIURL(url), meshydb.WithAuthURL(url),
		meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 2, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	require.NoError(t, err)
	t.Cleanup(db.CloseIdleConnections)

	_, err = db.Login(t.Context(), "bob", "s3cret")

	require.Error(t, err)
	assert.Contains(t, err.Error(), "after 2 attempts")
	assert.NotContains(t, err.Error(), "s3cret")
}
