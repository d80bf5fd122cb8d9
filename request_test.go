package meshydb_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// startCountingServer starts a real HTTP server running handler and counts
// the TCP connections clients open to it.
func startCountingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var newConns atomic.Int64
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &newConns
}

// newServerDB returns a MeshyDB that talks to srv through srv's own client.
func newServerDB(t *testing.T, srv *httptest.Server, tenant string, opts ...meshydb.Option) *meshydb.MeshyDB {
	t.Helper()
	opts = append([]meshydb.Option{meshydb.WithHTTPClient(srv.Client()), meshydb.WithAPIURL(srv.URL)}, opts...)
	db, err := meshydb.New("ck", tenant, "pk", opts...)
	require.NoError(t, err)
	return db
}

// writeHashFor answers a forgotpassword request with a hash for the
// username the request carried.
func writeHashFor(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, _ := json.Marshal(map[string]string{
		"username": in.Username,
		"expires":  "1900-01-01T00:00:00.000Z",
		"hash":     "hash-" + in.Username,
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func TestRequestReusesOneConnectionAcrossSuccessesAndErrors(t *testing.T) {
	t.Parallel()

	html := "<html><body>" + strings.Repeat("<p>Internal Server Error</p>", 10<<10/28) + "</body></html>"
	require.Greater(t, len(html), 10<<10-64)
	bigError := strings.Repeat("x", 100<<10) // past the 64 KiB an APIError keeps

	type outcome func(t *testing.T, hash *meshydb.PasswordResetHash, err error)
	kinds := []struct {
		name   string
		handle http.HandlerFunc
		check  outcome
	}{
		{
			name:   "200 hash",
			handle: writeHashFor,
			check: func(t *testing.T, hash *meshydb.PasswordResetHash, err error) {
				require.NoError(t, err)
				assert.Equal(t, "hash-bob", hash.Hash)
			},
		},
		{
			name: "404 json error",
			handle: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"message":"user not found"}`)
			},
			check: func(t *testing.T, hash *meshydb.PasswordResetHash, err error) {
				assert.Nil(t, hash)
				require.ErrorIs(t, err, meshydb.ErrNotFound)
				var apiErr *meshydb.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
				assert.Equal(t, "user not found", apiErr.Message)
			},
		},
		{
			name: "500 html page",
			handle: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, html)
			},
			check: func(t *testing.T, hash *meshydb.PasswordResetHash, err error) {
				assert.Nil(t, hash)
				require.ErrorIs(t, err, meshydb.ErrServer)
				var apiErr *meshydb.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
				assert.Equal(t, html, string(apiErr.Body))
			},
		},
		{
			name: "204 empty",
			handle: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			},
			check: func(t *testing.T, hash *meshydb.PasswordResetHash, err error) {
				// ForgotPassword needs a hash; an empty success is an error,
				// but not an APIError and not the caller's fault.
				assert.Nil(t, hash)
				require.Error(t, err)
				assert.NotErrorIs(t, err, meshydb.ErrInvalidArgument)
				var apiErr *meshydb.APIError
				assert.False(t, errors.As(err, &apiErr))
			},
		},
		{
			name: "400 body larger than the kept part",
			handle: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, bigError)
			},
			check: func(t *testing.T, hash *meshydb.PasswordResetHash, err error) {
				assert.Nil(t, hash)
				require.ErrorIs(t, err, meshydb.ErrBadRequest)
				var apiErr *meshydb.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.LessOrEqual(t, len(apiErr.Body), 64<<10)
				assert.NotEmpty(t, apiErr.Body)
			},
		},
	}

	// current selects the answer for the call in flight, so that the
	// server's answer does not depend on how many requests it has seen.
	var served, current atomic.Int64
	srv, newConns := startCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/ck/users/forgotpassword" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
			return
		}
		kinds[current.Load()].handle(w, r)
	})
	db := newServerDB(t, srv, "acme")

	const calls = 50
	for i := range calls {
		kind := kinds[i%len(kinds)]
		current.Store(int64(i % len(kinds)))
		hash, err := db.ForgotPassword(t.Context(), "bob")
		t.Run(fmt.Sprintf("%02d %s", i, kind.name), func(t *testing.T) {
			kind.check(t, hash, err)
		})
	}

	// None of these answers lets a POST be sent again.
	assert.EqualValues(t, calls, served.Load())
	assert.EqualValues(t, 1, newConns.Load(), "every answer, error or not, must leave the connection reusable")
}

func TestRequestResponseSizeCap(t *testing.T) {
	t.Parallel()

	// body returns a valid hash answer padded with trailing spaces to
	// exactly size bytes.
	body := func(size int) []byte {
		b := []byte(`{"username":"u","expires":"1900-01-01T00:00:00.000Z","hash":"h"}`)
		return append(b, []byte(strings.Repeat(" ", size-len(b)))...)
	}

	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{name: "at the cap", size: meshydb.DefaultMaxResponseBytes, wantErr: false},
		{name: "one byte over", size: meshydb.DefaultMaxResponseBytes + 1, wantErr: true},
		{name: "far over", size: 3 * meshydb.DefaultMaxResponseBytes, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payload := body(tt.size)
			require.Len(t, payload, tt.size)
			srv, _ := startCountingServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(payload)
			})
			db := newServerDB(t, srv, "")

			hash, err := db.ForgotPassword(t.Context(), "u")

			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, "h", hash.Hash)
				return
			}
			assert.Nil(t, hash)
			require.ErrorIs(t, err, meshydb.ErrResponseTooLarge)
			var apiErr *meshydb.APIError
			assert.False(t, errors.As(err, &apiErr), "a too-large success is not an APIError")
		})
	}
}

func TestRequestHeadersOnTheWire(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		tenant     string
		opts       []meshydb.Option
		wantUA     string
		wantTenant []string
	}{
		{
			name: "tenant and user agent", tenant: "acme",
			opts:       []meshydb.Option{meshydb.WithUserAgent("myapp/1.2")},
			wantUA:     "meshydb-go/" + meshydb.Version + " myapp/1.2",
			wantTenant: []string{"acme"},
		},
		{
			name: "default tenant sends no header", tenant: "",
			wantUA: "meshydb-go/" + meshydb.Version, wantTenant: nil,
		},
		{
			name: "unicode tenant arrives intact", tenant: "租户-ü",
			wantUA: "meshydb-go/" + meshydb.Version, wantTenant: []string{"租户-ü"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			type seen struct {
				method, path string
				header       http.Header
				body         []byte
			}
			got := make(chan seen, 1)
			srv, _ := startCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- seen{method: r.Method, path: r.URL.EscapedPath(), header: r.Header.Clone(), body: b}
				_, _ = io.WriteString(w, `{"username":"bob","expires":"1900-01-01T00:00:00.000Z","hash":"h"}`)
			})
			db := newServerDB(t, srv, tt.tenant, tt.opts...)

			_, err := db.ForgotPassword(t.Context(), "bob")
			require.NoError(t, err)

			req := <-got
			assert.Equal(t, http.MethodPost, req.method)
			assert.Equal(t, "/ck/users/forgotpassword", req.path)
			assert.Equal(t, []string{"application/json"}, req.header.Values("Accept"))
			assert.Equal(t, []string{"application/json"}, req.header.Values("Content-Type"))
			assert.Equal(t, []string{tt.wantUA}, req.header.Values("User-Agent"))
			assert.Equal(t, tt.wantTenant, req.header.Values("Tenant"))
			assert.Empty(t, req.header.Values("Authorization"), "a no-token call must not carry Authorization")
			assert.JSONEq(t, `{"username":"bob"}`, string(req.body))
		})
	}
}

func TestRequestConcurrentCallsShareOneMeshyDB(t *testing.T) {
	t.Parallel()

	var served atomic.Int64
	srv, _ := startCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Tenant") != "acme" {
			http.Error(w, "wrong tenant", http.StatusBadRequest)
			return
		}
		writeHashFor(w, r)
	})
	db := newServerDB(t, srv, "acme", meshydb.WithUserAgent("load/1"))

	const workers = 50
	type result struct {
		username string
		hash     *meshydb.PasswordResetHash
		err      error
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			username := fmt.Sprintf("user-%02d", i)
			hash, err := db.ForgotPassword(t.Context(), username)
			results[i] = result{username: username, hash: hash, err: err}
		})
	}
	wg.Wait()

	for _, r := range results {
		require.NoError(t, r.err, r.username)
		assert.Equal(t, r.username, r.hash.Username)
		assert.Equal(t, "hash-"+r.username, r.hash.Hash, "answers must not cross between goroutines")
	}
	assert.EqualValues(t, workers, served.Load())
}
