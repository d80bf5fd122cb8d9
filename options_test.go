package meshydb_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// optionsTestHashBody is a valid users/forgotpassword answer.
const optionsTestHashBody = `{"username":"u","expires":"1900-01-01T00:00:00.000Z","hash":"h"}`

// captureForgotPasswordRequest builds a MeshyDB for clientKey with opts and
// a per-test mock transport, makes one ForgotPassword call, and returns the
// request that reached the transport.
func captureForgotPasswordRequest(t *testing.T, clientKey string, opts ...meshydb.Option) *http.Request {
	t.Helper()
	mt := httpmock.NewMockTransport()
	var got *http.Request
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		got = req
		return httpmock.NewStringResponse(http.StatusOK, optionsTestHashBody), nil
	})
	opts = append([]meshydb.Option{meshydb.WithHTTPClient(&http.Client{Transport: mt})}, opts...)
	db, err := meshydb.New(clientKey, "", "pk", opts...)
	require.NoError(t, err)

	hash, err := db.ForgotPassword(t.Context(), "u")

	require.NoError(t, err)
	require.NotNil(t, hash)
	assert.Equal(t, "h", hash.Hash)
	require.Equal(t, 1, mt.GetTotalCallCount(), "exactly one request must be sent")
	require.NotNil(t, got)
	assert.Equal(t, http.MethodPost, got.Method)
	return got
}

func TestWithAPIURLBuildsRequestURL(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		opts []meshydb.Option
		want string
	}{
		{name: "default", want: "https://api.meshydb.com/ck/users/forgotpassword"},
		{
			name: "local emulator",
			opts: []meshydb.Option{meshydb.WithAPIURL("http://127.0.0.1:8080")},
			want: "http://127.0.0.1:8080/ck/users/forgotpassword",
		},
		{
			name: "local emulator trailing slash",
			opts: []meshydb.Option{meshydb.WithAPIURL("http://127.0.0.1:8080/")},
			want: "http://127.0.0.1:8080/ck/users/forgotpassword",
		},
		{
			name: "path prefix",
			opts: []meshydb.Option{meshydb.WithAPIURL("https://gateway.example.com/meshy")},
			want: "https://gateway.example.com/meshy/ck/users/forgotpassword",
		},
		{
			name: "path prefix trailing slash",
			opts: []meshydb.Option{meshydb.WithAPIURL("https://gateway.example.com/meshy/")},
			want: "https://gateway.example.com/meshy/ck/users/forgotpassword",
		},
		{
			name: "deeper path prefix",
			opts: []meshydb.Option{meshydb.WithAPIURL("https://gateway.example.com/a/b/")},
			want: "https://gateway.example.com/a/b/ck/users/forgotpassword",
		},
		{
			name: "surrounding spaces",
			opts: []meshydb.Option{meshydb.WithAPIURL("  https://gateway.example.com/meshy  ")},
			want: "https://gateway.example.com/meshy/ck/users/forgotpassword",
		},
		{
			name: "ipv6 host",
			opts: []meshydb.Option{meshydb.WithAPIURL("http://[::1]:8080")},
			want: "http://[::1]:8080/ck/users/forgotpassword",
		},
		{
			name: "auth url does not move api calls",
			opts: []meshydb.Option{meshydb.WithAuthURL("https://auth.example.com")},
			want: "https://api.meshydb.com/ck/users/forgotpassword",
		},
		{
			name: "last WithAPIURL wins",
			opts: []meshydb.Option{meshydb.WithAPIURL("https://first.example.com"), meshydb.WithAPIURL("https://second.example.com")},
			want: "https://second.example.com/ck/users/forgotpassword",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			req := captureForgotPasswordRequest(t, "ck", tt.opts...)

			assert.Equal(t, tt.want, req.URL.String())
			assert.Empty(t, req.URL.RawQuery)
			assert.False(t, req.URL.ForceQuery)
		})
	}
}

// A base ending in a bare "?" has an empty query. It must either be refused
// like any other query, or be cleaned up; it must not turn the route into
// a query string ("https://host/meshy?/ck/users/forgotpassword").
func TestWithAPIURLEmptyQueryMarker(t *testing.T) {
	t.Parallel()

	const base = "https://gateway.example.com/meshy?"
	_, err := meshydb.New("ck", "", "pk", meshydb.WithAPIURL(base))
	if err != nil {
		assert.ErrorIs(t, err, meshydb.ErrInvalidArgument)
		assert.Contains(t, err.Error(), "WithAPIURL")
		return
	}
	req := captureForgotPasswordRequest(t, "ck", meshydb.WithAPIURL(base))
	assert.Equal(t, "https://gateway.example.com/meshy/ck/users/forgotpassword", req.URL.String())
	assert.Equal(t, "/meshy/ck/users/forgotpassword", req.URL.EscapedPath())
}

func TestClientKeyIsOneEscapedPathSegment(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		clientKey string
		base      string
		wantPath  string // req.URL.EscapedPath()
	}{
		{name: "plain", clientKey: "ck", wantPath: "/ck/users/forgotpassword"},
		{name: "space and slash", clientKey: "a b/c", wantPath: "/a%20b%2Fc/users/forgotpassword"},
		{name: "cyrillic", clientKey: "ключ", wantPath: "/%D0%BA%D0%BB%D1%8E%D1%87/users/forgotpassword"},
		{name: "query and fragment characters", clientKey: "a?b#c", wantPath: "/a%3Fb%23c/users/forgotpassword"},
		{name: "percent", clientKey: "50%", wantPath: "/50%25/users/forgotpassword"},
		{name: "traversal", clientKey: "../admin", wantPath: "/..%2Fadmin/users/forgotpassword"},
		{
			name: "with path prefix", clientKey: "a b/c", base: "https://gateway.example.com/meshy/",
			wantPath: "/meshy/a%20b%2Fc/users/forgotpassword",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []meshydb.Option
			if tt.base != "" {
				opts = append(opts, meshydb.WithAPIURL(tt.base))
			}

			req := captureForgotPasswordRequest(t, tt.clientKey, opts...)

			assert.Equal(t, tt.wantPath, req.URL.EscapedPath())
			assert.Empty(t, req.URL.RawQuery)
			assert.Empty(t, req.URL.Fragment)

			// Decoding the first segment below the prefix gives back the
			// clientKey exactly.
			prefix := "/"
			if tt.base != "" {
				prefix = "/meshy/"
			}
			rest := req.URL.EscapedPath()[len(prefix):]
			seg, route, ok := strings.Cut(rest, "/")
			require.True(t, ok)
			assert.Equal(t, "users/forgotpassword", route)
			unescaped, err := url.PathUnescape(seg)
			require.NoError(t, err)
			assert.Equal(t, tt.clientKey, unescaped)
		})
	}
}

// A clientKey of "." or ".." is a dot-segment: sent as is, any server or
// proxy that normalises paths (RFC 3986 §5.2.4) resolves it away and the
// request reaches another route ("/../users/forgotpassword" becomes
// "/users/forgotpassword"). New must either refuse it or escape it so that
// it stays one segment.
func TestClientKeyDotSegment(t *testing.T) {
	t.Parallel()

	for _, key := range []string{".", ".."} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			_, err := meshydb.New(key, "", "pk", meshydb.WithHTTPClient(&http.Client{Transport: httpmock.NewMockTransport()}))
			if err != nil {
				assert.ErrorIs(t, err, meshydb.ErrInvalidArgument)
				assert.Contains(t, err.Error(), "clientKey")
				return
			}
			req := captureForgotPasswordRequest(t, key)
			first, _, _ := strings.Cut(req.URL.EscapedPath()[1:], "/")
			assert.NotEqual(t, key, first, "clientKey %q was sent as a dot-segment: %s", key, req.URL.EscapedPath())
			assert.Equal(t, "https://api.meshydb.com/"+first+"/users/forgotpassword", req.URL.String())
		})
	}
}

func TestWithUserAgent(t *testing.T) {
	t.Parallel()

	sdk := "meshydb-go/" + meshydb.Version
	tests := []struct {
		name string
		opts []meshydb.Option
		want string
	}{
		{name: "default", want: sdk},
		{name: "app suffix", opts: []meshydb.Option{meshydb.WithUserAgent("myapp/1.2")}, want: sdk + " myapp/1.2"},
		{name: "suffix is trimmed", opts: []meshydb.Option{meshydb.WithUserAgent("  myapp/1.2 ")}, want: sdk + " myapp/1.2"},
		{name: "empty suffix", opts: []meshydb.Option{meshydb.WithUserAgent("")}, want: sdk},
		{name: "blank suffix", opts: []meshydb.Option{meshydb.WithUserAgent("   ")}, want: sdk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			req := captureForgotPasswordRequest(t, "ck", tt.opts...)

			assert.Equal(t, []string{tt.want}, req.Header.Values("User-Agent"))
		})
	}
	assert.Regexp(t, `^\d+\.\d+\.\d+`, meshydb.Version)
}

// httpClientSnapshot is what WithHTTPClient promises not to change.
type httpClientSnapshot struct {
	transport     http.RoundTripper
	timeout       time.Duration
	checkRedirect uintptr
	jar           http.CookieJar
}

func snapshotHTTPClient(c *http.Client) httpClientSnapshot {
	s := httpClientSnapshot{transport: c.Transport, timeout: c.Timeout, jar: c.Jar}
	if c.CheckRedirect != nil {
		s.checkRedirect = reflect.ValueOf(c.CheckRedirect).Pointer()
	}
	return s
}

func TestWithHTTPClientIsUsedAndNotModified(t *testing.T) {
	t.Parallel()

	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://api.meshydb.com/ck/users/forgotpassword",
		httpmock.NewStringResponder(http.StatusOK, optionsTestHashBody))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{
		Transport:     mt,
		Timeout:       7 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Jar:           jar,
	}
	before := snapshotHTTPClient(client)

	db, err := meshydb.New("ck", "t", "pk", meshydb.WithHTTPClient(client))
	require.NoError(t, err)
	assert.Equal(t, before, snapshotHTTPClient(client), "New modified the client")

	hash, err := db.ForgotPassword(t.Context(), "u")
	require.NoError(t, err)
	assert.Equal(t, "u", hash.Username)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "the request must go through the given client's transport")
	assert.Equal(t, before, snapshotHTTPClient(client), "ForgotPassword modified the client")
	assert.Same(t, mt, client.Transport)
}

// A client with no Transport of its own falls back to http.DefaultTransport
// inside net/http; the SDK must not fill the field in.
func TestWithHTTPClientZeroValueNotModified(t *testing.T) {
	t.Parallel()

	client := &http.Client{}
	_, err := meshydb.New("ck", "", "pk", meshydb.WithHTTPClient(client))
	require.NoError(t, err)
	assert.Equal(t, http.Client{}, *client)
}
