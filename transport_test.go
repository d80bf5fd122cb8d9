package meshydb_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// The tests in this file swap the process-wide http.DefaultTransport with
// httpmock.Activate, so none of them may run in parallel.

// startHashServer starts a real server that answers every request with a
// hash and counts the requests it serves.
func startHashServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"username":"real","expires":"1900-01-01T00:00:00.000Z","hash":"from-server"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestDefaultClientResolvesDefaultTransportAtCallTime(t *testing.T) {
	defer httpmock.DeactivateAndReset()

	srv, hits := startHashServer(t)
	// New runs before httpmock is active: the SDK must not capture the
	// transport that was current at construction.
	db, err := meshydb.New("ck", "acme", "pk", meshydb.WithAPIURL(srv.URL))
	require.NoError(t, err)

	httpmock.Activate()
	var mocked *http.Request
	httpmock.RegisterResponder(http.MethodPost, srv.URL+"/ck/users/forgotpassword",
		func(req *http.Request) (*http.Response, error) {
			mocked = req
			return httpmock.NewStringResponse(http.StatusOK,
				`{"username":"mock","expires":"1900-01-01T00:00:00.000Z","hash":"from-mock"}`), nil
		})

	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	assert.Equal(t, "from-mock", hash.Hash)
	assert.Equal(t, 1, httpmock.GetTotalCallCount())
	assert.EqualValues(t, 0, hits.Load(), "nothing may reach the real server while httpmock is active")
	require.NotNil(t, mocked)
	assert.Equal(t, srv.URL+"/ck/users/forgotpassword", mocked.URL.String())
	assert.Equal(t, "acme", mocked.Header.Get("Tenant"))
	assert.Equal(t, "meshydb-go/"+meshydb.Version, mocked.Header.Get("User-Agent"))

	// With httpmock gone, the same db goes back to the real default
	// transport and reaches the server.
	httpmock.DeactivateAndReset()

	hash, err = db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	assert.Equal(t, "from-server", hash.Hash)
	assert.EqualValues(t, 1, hits.Load())
	assert.Equal(t, 0, httpmock.GetTotalCallCount())
}

func TestDefaultClientWorksWithHTTPMockActivatedBeforeNew(t *testing.T) {
	defer httpmock.DeactivateAndReset()

	httpmock.Activate()
	httpmock.RegisterResponder(http.MethodPost, "https://api.meshydb.com/ck/users/forgotpassword",
		httpmock.NewStringResponder(http.StatusOK,
			`{"username":"bob","expires":"1900-01-01T00:00:00.000Z","hash":"from-mock"}`))

	db, err := meshydb.New("ck", "", "pk")
	require.NoError(t, err)

	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err)
	assert.Equal(t, "from-mock", hash.Hash)
	assert.Equal(t, "bob", hash.Username)
	assert.Equal(t, 1, httpmock.GetTotalCallCount())
	assert.Equal(t, map[string]int{
		"POST https://api.meshydb.com/ck/users/forgotpassword": 1,
	}, httpmock.GetCallCountInfo())
}

// An unregistered route under httpmock fails the call instead of leaking
// onto the network: proof that the default client really goes through the
// swapped transport.
func TestDefaultClientUnderHTTPMockNeverReachesNetwork(t *testing.T) {
	defer httpmock.DeactivateAndReset()

	srv, hits := startHashServer(t)
	db, err := meshydb.New("ck", "", "pk", meshydb.WithAPIURL(srv.URL))
	require.NoError(t, err)
	httpmock.Activate()

	hash, err := db.ForgotPassword(t.Context(), "bob")

	require.Error(t, err)
	assert.Nil(t, hash)
	assert.ErrorIs(t, err, httpmock.NoResponderFound)
	assert.EqualValues(t, 0, hits.Load())
}

// A MeshyDB with its own client is not affected by httpmock.Activate: only
// the SDK's default client follows http.DefaultTransport.
func TestWithHTTPClientIgnoresHTTPMockActivate(t *testing.T) {
	defer httpmock.DeactivateAndReset()

	srv, hits := startHashServer(t)
	db, err := meshydb.New("ck", "", "pk", meshydb.WithAPIURL(srv.URL), meshydb.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	httpmock.Activate()

	hash, err := db.ForgotPassword(t.Context(), "bob")

	require.NoError(t, err)
	assert.Equal(t, "from-server", hash.Hash)
	assert.EqualValues(t, 1, hits.Load())
	assert.Equal(t, 0, httpmock.GetTotalCallCount())
}
