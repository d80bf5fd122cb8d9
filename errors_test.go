package meshydb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

const (
	errsTestAPI       = "https://api.meshydb.test"
	errsTestClientKey = "acme"
	errsForgotURL     = errsTestAPI + "/" + errsTestClientKey + "/users/forgotpassword"
)

// errsRoundTripFunc adapts a function to http.RoundTripper.
type errsRoundTripFunc func(*http.Request) (*http.Response, error)

func (f errsRoundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// errsNewDB returns a MeshyDB whose every request goes through rt, on a
// client of the test's own.
func errsNewDB(t *testing.T, rt http.RoundTripper) *meshydb.MeshyDB {
	t.Helper()
	db, err := meshydb.New(errsTestClientKey, "", "pub-key",
		meshydb.WithHTTPClient(&http.Client{Transport: rt}),
		meshydb.WithAPIURL(errsTestAPI),
		// One request per call, so that the error decoded is the one sent;
		// faults_test.go covers retries.
		meshydb.WithRetry(meshydb.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	return db
}

// errsForgotWith runs ForgotPassword against a mock that answers with responder,
// failing the test (rather than crashing the binary) on a panic.
func errsForgotWith(t *testing.T, responder httpmock.Responder) (*meshydb.PasswordResetHash, error) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, errsForgotURL, responder)
	db := errsNewDB(t, mt)
	var (
		hash *meshydb.PasswordResetHash
		err  error
	)
	require.NotPanics(t, func() { hash, err = db.ForgotPassword(context.Background(), "bob") })
	require.Equal(t, 1, mt.GetTotalCallCount(), "exactly one request must be sent")
	return hash, err
}

// errsWithHeader returns a responder for status and body that also sets header.
func errsWithHeader(status int, body []byte, header http.Header) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, body)
		for k, vs := range header {
			for _, v := range vs {
				resp.Header.Add(k, v)
			}
		}
		return resp, nil
	}
}

// errsRequireAPIError asserts err is an *APIError for the forgot-password call
// and returns it.
func errsRequireAPIError(t *testing.T, err error) *meshydb.APIError {
	t.Helper()
	require.Error(t, err)
	var apiErr *meshydb.APIError
	require.True(t, errors.As(err, &apiErr), "errors.As(%T) to *APIError must work: %v", err, err)
	require.NotNil(t, apiErr)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.True(t, strings.HasSuffix(apiErr.URL, "/users/forgotpassword"), "URL %q", apiErr.URL)
	return apiErr
}

var errsAllSentinels = []struct {
	name string
	err  error
}{
	{"ErrInvalidArgument", meshydb.ErrInvalidArgument},
	{"ErrBadRequest", meshydb.ErrBadRequest},
	{"ErrUnauthorized", meshydb.ErrUnauthorized},
	{"ErrForbidden", meshydb.ErrForbidden},
	{"ErrNotFound", meshydb.ErrNotFound},
	{"ErrRateLimited", meshydb.ErrRateLimited},
	{"ErrServer", meshydb.ErrServer},
	{"ErrResponseTooLarge", meshydb.ErrResponseTooLarge},
}

func TestAPIError_ErrorBodyShapes(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		status      int
		body        string
		wantMessage string // exact, unless empty
		wantContain []string
		wantCode    string
		wantFields  map[string][]string
		errContains []string // in err.Error()
		errLacks    []string // not in err.Error()
	}{
		{
			name:        "OAuth2",
			status:      http.StatusBadRequest,
			body:        `{"error":"invalid_grant","error_description":"The user name or password is incorrect."}`,
			wantMessage: "The user name or password is incorrect.",
			wantCode:    "invalid_grant",
			errContains: []string{"The user name or password is incorrect."},
		},
		{
			name:        "ASP.NET problem details",
			status:      http.StatusBadRequest,
			body:        `{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,"traceId":"|8e4-1.","errors":{"Username":["Username is required."]}}`,
			wantMessage: "One or more validation errors occurred.",
			wantFields:  map[string][]string{"Username": {"Username is required."}},
			errContains: []string{"One or more validation errors occurred.", "Username", "Username is required."},
		},
		{
			name:        "JSON string",
			status:      http.StatusBadRequest,
			body:        `"Username is required."`,
			wantMessage: "Username is required.",
			errContains: []string{"Username is required."},
		},
		{
			name:        "JSON array of strings",
			status:      http.StatusBadRequest,
			body:        `["Username is required.","Attempt must be positive."]`,
			wantContain: []string{"Username is required.", "Attempt must be positive."},
			errContains: []string{"Username is required.", "Attempt must be positive."},
		},
		{
			name:        "message object",
			status:      http.StatusNotFound,
			body:        `{"message":"User not found."}`,
			wantMessage: "User not found.",
			errContains: []string{"User not found."},
		},
		{
			name:        "Message object",
			status:      http.StatusNotFound,
			body:        `{"Message":"No HTTP resource was found that matches the request URI."}`,
			wantMessage: "No HTTP resource was found that matches the request URI.",
			errContains: []string{"No HTTP resource was found"},
		},
		{
			name:        "plain text",
			status:      http.StatusServiceUnavailable,
			body:        "The service is down for maintenance.\nTry again in an hour.\n",
			wantMessage: "The service is down for maintenance.",
			errContains: []string{"The service is down for maintenance."},
			errLacks:    []string{"Try again in an hour."},
		},
		{
			name:   "HTML proxy page",
			status: http.StatusBadGateway,
			body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n" +
				"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n",
			wantMessage: "502 Bad Gateway",
			errContains: []string{"502"},
			errLacks:    []string{"<", "nginx"},
		},
		{
			name:        "empty body",
			status:      http.StatusNotFound,
			body:        "",
			wantMessage: http.StatusText(http.StatusNotFound),
			errContains: []string{"404", "Not Found"},
		},
		{
			name:        "empty body, 500",
			status:      http.StatusInternalServerError,
			body:        "",
			wantMessage: http.StatusText(http.StatusInternalServerError),
			errContains: []string{"500", "Internal Server Error"},
		},
		{
			name:        "truncated JSON",
			status:      http.StatusBadRequest,
			body:        `{"message": "Us`,
			wantContain: []string{"Us"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hash, err := errsForgotWith(t, httpmock.NewStringResponder(tt.status, tt.body))
			assert.Nil(t, hash)
			apiErr := errsRequireAPIError(t, err)

			assert.Equal(t, tt.status, apiErr.StatusCode)
			if tt.body == "" {
				assert.Empty(t, apiErr.Body)
			} else {
				assert.Equal(t, []byte(tt.body), apiErr.Body, "Body must be the raw bytes sent")
			}
			require.NotEmpty(t, apiErr.Message, "Message must never be empty")
			if tt.wantMessage != "" {
				assert.Equal(t, tt.wantMessage, apiErr.Message)
			}
			for _, s := range tt.wantContain {
				assert.Contains(t, apiErr.Message, s)
			}
			assert.Equal(t, tt.wantCode, apiErr.Code)
			assert.Equal(t, tt.wantFields, apiErr.FieldErrors)

			msg := err.Error()
			assert.Contains(t, msg, fmt.Sprint(tt.status))
			assert.Contains(t, msg, "POST")
			assert.Contains(t, msg, "/users/forgotpassword")
			for _, s := range tt.errContains {
				assert.Contains(t, msg, s)
			}
			for _, s := range tt.errLacks {
				assert.NotContains(t, msg, s)
			}
			assert.NotContains(t, msg, "\n", "an error string is one line")
		})
	}
}

// An HTML error page with bytes that are not UTF-8 (a Latin-1 proxy page)
// must give its title, not a panic or a misaligned slice of the page.
func TestAPIError_HTMLErrorPageNotUTF8(t *testing.T) {
	t.Parallel()

	body := []byte("<html><head><meta charset=\"iso-8859-1\"><!-- \xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9 -->" +
		"<title>502 Bad Gateway</title></head><body>Passerelle d\xe9faillante</body></html>")
	_, err := errsForgotWith(t, httpmock.NewBytesResponder(http.StatusBadGateway, body))
	apiErr := errsRequireAPIError(t, err)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
	assert.Equal(t, "502 Bad Gateway", apiErr.Message)
	assert.Equal(t, body, apiErr.Body)
	assert.ErrorIs(t, err, meshydb.ErrServer)
}

func TestAPIError_Sentinels(t *testing.T) {
	t.Parallel()

	tests := []struct {
		status int
		want   error
	}{
		{http.StatusBadRequest, meshydb.ErrBadRequest},
		{http.StatusUnauthorized, meshydb.ErrUnauthorized},
		{http.StatusForbidden, meshydb.ErrForbidden},
		{http.StatusNotFound, meshydb.ErrNotFound},
		{http.StatusTooManyRequests, meshydb.ErrRateLimited},
		{http.StatusInternalServerError, meshydb.ErrServer},
		{http.StatusBadGateway, meshydb.ErrServer},
		{http.StatusServiceUnavailable, meshydb.ErrServer},
		{http.StatusGatewayTimeout, meshydb.ErrServer},
		{http.StatusConflict, nil},
		{http.StatusMethodNotAllowed, nil},
		{http.StatusUnprocessableEntity, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			_, err := errsForgotWith(t, httpmock.NewStringResponder(tt.status, `{"message":"nope"}`))
			apiErr := errsRequireAPIError(t, err)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			for _, s := range errsAllSentinels {
				if s.err == tt.want {
					assert.ErrorIs(t, err, s.err, "%d must match %s", tt.status, s.name)
				} else {
					assert.NotErrorIs(t, err, s.err, "%d must not match %s", tt.status, s.name)
				}
			}
		})
	}
}

func TestAPIError_404MatchesOnlyErrNotFound(t *testing.T) {
	t.Parallel()

	_, err := errsForgotWith(t, httpmock.NewStringResponder(http.StatusNotFound, `{"message":"User not found."}`))
	require.ErrorIs(t, err, meshydb.ErrNotFound)
	assert.NotErrorIs(t, err, meshydb.ErrBadRequest)
	assert.NotErrorIs(t, err, meshydb.ErrUnauthorized)
	assert.NotErrorIs(t, err, meshydb.ErrForbidden)
	assert.NotErrorIs(t, err, meshydb.ErrRateLimited)
	assert.NotErrorIs(t, err, meshydb.ErrServer)
	assert.NotErrorIs(t, err, meshydb.ErrInvalidArgument)
	assert.NotErrorIs(t, err, meshydb.ErrResponseTooLarge)
}

func TestAPIError_HugeBodyIsCapped(t *testing.T) {
	t.Parallel()

	const maxBody = 64 << 10
	tests := []struct {
		name string
		body []byte
	}{
		{"plain text, one line", bytes.Repeat([]byte("x"), 1<<20)},
		{"plain text, many lines", bytes.Repeat([]byte("0123456789abcdef\n"), (1<<20)/17)},
		{"JSON message", []byte(`{"message":"` + strings.Repeat("m", 1<<20) + `"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := errsForgotWith(t, httpmock.NewBytesResponder(http.StatusInternalServerError, tt.body))
			apiErr := errsRequireAPIError(t, err)
			assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
			assert.ErrorIs(t, err, meshydb.ErrServer)
			assert.Len(t, apiErr.Body, maxBody, "Body must be capped at 64 KiB")
			assert.Equal(t, tt.body[:maxBody], apiErr.Body, "Body must be the start of the raw body")
			assert.NotEmpty(t, apiErr.Message)
			assert.Less(t, len(apiErr.Message), 4<<10, "Message must be capped, not the whole body")
			assert.Less(t, len(err.Error()), 8<<10, "Error() must stay short")
		})
	}
}

func TestAPIError_RetryAfter(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		header   func() string
		min, max time.Duration
	}{
		{"seconds", func() string { return "120" }, 120 * time.Second, 120 * time.Second},
		{"HTTP date", func() string { return time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat) }, 80 * time.Second, 91 * time.Second},
		{"HTTP date in the past", func() string { return time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat) }, 0, 0},
		{"garbage", func() string { return "after lunch" }, 0, 0},
		{"absent", nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			header := http.Header{}
			if tt.header != nil {
				header.Set("Retry-After", tt.header())
			}
			body := []byte(`{"message":"Rate limit exceeded."}`)
			_, err := errsForgotWith(t, errsWithHeader(http.StatusTooManyRequests, body, header))
			apiErr := errsRequireAPIError(t, err)
			assert.ErrorIs(t, err, meshydb.ErrRateLimited)
			assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
			assert.Equal(t, "Rate limit exceeded.", apiErr.Message)
			assert.GreaterOrEqual(t, apiErr.RetryAfter, tt.min)
			assert.LessOrEqual(t, apiErr.RetryAfter, tt.max)
		})
	}
}

var errsTestTransport = errors.New("test transport: connection reset by gremlins")

func TestTransportErrorIsUnwrappable(t *testing.T) {
	t.Parallel()

	rt := errsRoundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errsTestTransport })
	db := errsNewDB(t, rt)
	hash, err := db.ForgotPassword(context.Background(), "bob")
	assert.Nil(t, hash)
	require.Error(t, err)
	assert.ErrorIs(t, err, errsTestTransport)
	var apiErr *meshydb.APIError
	assert.False(t, errors.As(err, &apiErr), "a transport failure is not an *APIError")
	for _, s := range errsAllSentinels {
		assert.NotErrorIs(t, err, s.err, "a transport failure must not match %s", s.name)
	}
}

func TestTransportErrorFromHTTPMockIsUnwrappable(t *testing.T) {
	t.Parallel()

	hash, err := errsForgotWith(t, httpmock.NewErrorResponder(errsTestTransport))
	assert.Nil(t, hash)
	assert.ErrorIs(t, err, errsTestTransport)
}

// errsBlockUntilDone is a transport that waits for the request's context to
// end, as a real one would on a slow server.
var errsBlockUntilDone = errsRoundTripFunc(func(req *http.Request) (*http.Response, error) {
	<-req.Context().Done()
	return nil, req.Context().Err()
})

func TestContextDeadlineIsUnwrappable(t *testing.T) {
	t.Parallel()

	db := errsNewDB(t, errsBlockUntilDone)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	hash, err := db.ForgotPassword(ctx, "bob")
	assert.Nil(t, hash)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var apiErr *meshydb.APIError
	assert.False(t, errors.As(err, &apiErr))
}

func TestContextCanceledIsUnwrappable(t *testing.T) {
	t.Parallel()

	db := errsNewDB(t, errsBlockUntilDone)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	hash, err := db.ForgotPassword(ctx, "bob")
	assert.Nil(t, hash)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestSuccessBodyTooLarge(t *testing.T) {
	t.Parallel()

	body := []byte(`{"username":"bob","hash":"` + strings.Repeat("a", meshydb.DefaultMaxResponseBytes) + `"}`)
	require.Greater(t, len(body), meshydb.DefaultMaxResponseBytes)
	hash, err := errsForgotWith(t, httpmock.NewBytesResponder(http.StatusOK, body))
	assert.Nil(t, hash)
	require.Error(t, err)
	assert.ErrorIs(t, err, meshydb.ErrResponseTooLarge)
	var apiErr *meshydb.APIError
	assert.False(t, errors.As(err, &apiErr), "a too-large success is not an *APIError")
	assert.Less(t, len(err.Error()), 1<<10, "the error must not carry the body")
}

func TestSuccessBodyAtTheCapIsRead(t *testing.T) {
	t.Parallel()

	doc := `{"username":"bob","hash":"h4sh","expires":"2019-01-01T00:00:00Z"}`
	body := []byte(doc + strings.Repeat(" ", meshydb.DefaultMaxResponseBytes-len(doc)))
	require.Len(t, body, meshydb.DefaultMaxResponseBytes)
	hash, err := errsForgotWith(t, httpmock.NewBytesResponder(http.StatusOK, body))
	require.NoError(t, err)
	require.NotNil(t, hash)
	assert.Equal(t, "bob", hash.Username)
	assert.Equal(t, "h4sh", hash.Hash)
}

func TestSuccessBodyMalformed(t *testing.T) {
	t.Parallel()

	const secret = "S3CRET-HASH-d41d8cd98f00b204"
	tests := []struct {
		name string
		body string
	}{
		{"truncated object", `{"username":"bob","hash":"` + secret + `","expires":`},
		{"wrong type", `{"username":"bob","hash":["` + secret + `"]}`},
		{"not JSON", secret + " <html>oops</html>"},
		{"trailing garbage", `{"username":"bob","hash":"x"} ` + secret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hash, err := errsForgotWith(t, httpmock.NewStringResponder(http.StatusOK, tt.body))
			assert.Nil(t, hash)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret, "the error must not echo the body")
			var apiErr *meshydb.APIError
			assert.False(t, errors.As(err, &apiErr), "a 200 is not an *APIError")
		})
	}
}
