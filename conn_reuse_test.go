package meshydb_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// reuseServer answers users/forgotpassword with a hash, or with the status
// the username asks for, and counts the connections it accepts.
func reuseServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch string(body) {
		case `{"username":"missing"}`:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"User not found."}`)
		case `{"username":"broken"}`:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `<html><title>500 Internal Server Error</title></html>`)
		default:
			_, _ = io.WriteString(w, `{"username":"bob","expires":"1/1/2030","hash":"h"}`)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// The SDK's own client (no WithHTTPClient) keeps one connection for 1,000
// sequential calls, errors included: every body is drained and closed.
func TestDefaultClientReusesOneConnectionSequentially(t *testing.T) {
	srv, conns := reuseServer(t)
	db, err := meshydb.New("acme", "", "pk", meshydb.WithAPIURL(srv.URL))
	require.NoError(t, err)
	t.Cleanup(db.CloseIdleConnections)

	usernames := []string{"bob", "missing", "broken"}
	for i := range 1000 {
		_, err := db.ForgotPassword(t.Context(), usernames[i%len(usernames)])
		switch i % len(usernames) {
		case 0:
			require.NoError(t, err)
		case 1:
			require.ErrorIs(t, err, meshydb.ErrNotFound)
		case 2:
			require.ErrorIs(t, err, meshydb.ErrServer)
		}
	}
	assert.Equal(t, int64(1), conns.Load())
}

// Under parallel load the SDK's own client keeps a connection per
// goroutine instead of churning them (net/http's default transport keeps
// only 2 idle per host, so 16 goroutines would open hundreds).
func TestDefaultClientDoesNotChurnConnectionsInParallel(t *testing.T) {
	srv, conns := reuseServer(t)
	db, err := meshydb.New("acme", "", "pk", meshydb.WithAPIURL(srv.URL))
	require.NoError(t, err)
	t.Cleanup(db.CloseIdleConnections)

	const goroutines, calls = 16, 100
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range goroutines {
		wg.Go(func() {
			for range calls {
				if _, err := db.ForgotPassword(t.Context(), "bob"); err != nil {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()

	assert.Zero(t, failures.Load())
	// One connection per goroutine, plus slack for a dial that races a
	// connection going back to the pool; churn would open hundreds.
	t.Logf("%d connections for %d calls from %d goroutines", conns.Load(), goroutines*calls, goroutines)
	assert.LessOrEqual(t, conns.Load(), int64(2*goroutines))
}
