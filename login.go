package meshydb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// anonymousPassword is the fixed password MeshyDB gives anonymous users.
const anonymousPassword = "nopassword"

// loginScopes asks for the API and for a refresh token.
var loginScopes = []string{"meshy.api", "offline_access"}

// newOAuthConfig describes the account's token endpoint to x/oauth2: the
// publicKey goes in the form as client_id, with no secret.
func newOAuthConfig(auth endpoint, publicKey string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: publicKey,
		Endpoint: oauth2.Endpoint{
			TokenURL:  string(auth) + "connect/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		Scopes: loginScopes,
	}
}

// grantTransport carries x/oauth2's token requests over the SDK's request
// path, so that they get the tenant and User-Agent headers, go through the
// caller's http.Client (or httpmock), are logged, and are retried like any
// other POST: after 429 and 503, and after a failure to connect.
type grantTransport struct{ r *requester }

// grantAttemptsKey is the context key under which grantContext leaves an
// *int for grantTransport to record how many attempts it made.
type grantAttemptsKey struct{}

func (t grantTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var resp *http.Response
	err := t.r.retrying(ctx, &call{method: req.Method, name: "connect/token"}, func(n int) attempt {
		if counter, ok := ctx.Value(grantAttemptsKey{}).(*int); ok {
			*counter = n
		}
		if resp != nil {
			closeBody(resp.Body) // the answer being retried
			resp = nil
		}
		try, err := resendable(req, n)
		if err != nil {
			return attempt{err: err}
		}
		if resp, err = t.r.roundTrip(try, req.Header.Get("Content-Type")); err != nil {
			return attempt{err: err, retryable: true}
		}
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			return attempt{status: resp.StatusCode}
		}
		// Status and Retry-After are all the retry policy needs; x/oauth2
		// reads the body of the answer that is finally returned.
		retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return attempt{status: resp.StatusCode, err: &APIError{StatusCode: resp.StatusCode, RetryAfter: retryAfter}, retryable: true}
	})
	var interrupted *retryInterrupted
	if resp != nil && !errors.As(err, &interrupted) {
		return resp, nil // x/oauth2 turns a non-2xx answer into its error
	}
	if resp != nil {
		closeBody(resp.Body)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the outer client adds its own
	}
	return nil, err
}

// resendable returns a copy of req to send as attempt n, with a fresh body
// after the first: a RoundTripper must not modify its request.
func resendable(req *http.Request, n int) (*http.Request, error) {
	try := req.Clone(req.Context())
	if n == 1 || req.Body == nil {
		return try, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("meshydb: token request body cannot be resent")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	try.Body = body
	return try, nil
}

// grantContext returns ctx carrying the client x/oauth2 sends grants with,
// bounded by the SDK's own timeout, and a counter of the attempts made.
func (db *MeshyDB) grantContext(ctx context.Context) (context.Context, context.CancelFunc, *int) {
	attempts := new(int)
	ctx, cancel := db.http.bound(ctx)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, db.grantClient)
	return context.WithValue(ctx, grantAttemptsKey{}, attempts), cancel, attempts
}

// Login signs username in with password (the OAuth2 password grant on
// {auth}/{clientKey}/connect/token, scope "meshy.api offline_access") and
// returns the signed-in session.
//
// A wrong username or password, an inactive user or a bad publicKey fails
// with an [*APIError] matching [ErrBadRequest] whose Code is the OAuth2
// error ("invalid_grant", ...). The password never appears in an error or
// a log line.
func (db *MeshyDB) Login(ctx context.Context, username, password string) (*Client, error) {
	if err := checkUsername("username", username); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, invalidArgument("password", "is required")
	}
	if ctx == nil {
		return nil, invalidArgument("ctx", "must not be nil")
	}
	grantCtx, cancel, attempts := db.grantContext(ctx)
	defer cancel()
	tok, err := db.oauth.PasswordCredentialsToken(grantCtx, username, password)
	if err != nil {
		return nil, db.grantError(err, *attempts)
	}
	c := db.newClient(tok)
	db.notify(c, tok)
	return c, nil
}

// LoginAnonymously signs in the anonymous user username, registering it
// first (users/register/anonymous) when it does not exist yet. Anonymous
// registration must be enabled for the account.
func (db *MeshyDB) LoginAnonymously(ctx context.Context, username string) (*Client, error) {
	exists, err := db.UsernameExists(ctx, username)
	if err != nil {
		return nil, err
	}
	if !exists {
		if _, err := db.RegisterAnonymous(ctx, username); err != nil {
			return nil, err
		}
	}
	return db.Login(ctx, username, anonymousPassword)
}

// LoginWithRefreshToken restores a session from a refresh token saved
// earlier (from [Client.RefreshToken] or a [WithTokenObserver] callback):
// it makes a refresh_token grant and returns the new session. An invalid
// or expired refresh token, or a user no longer active, fails with
// [ErrBadRequest].
func (db *MeshyDB) LoginWithRefreshToken(ctx context.Context, refreshToken string) (*Client, error) {
	if err := checkRequired("refreshToken", refreshToken); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, invalidArgument("ctx", "must not be nil")
	}
	tok, err := db.refresh(ctx, refreshToken)
	if err != nil {
		return nil, err
	}
	c := db.newClient(tok)
	db.notify(c, tok)
	return c, nil
}

// Resume restores a session from a whole saved token without a network
// call. The access token is used until it is about to expire, then
// refreshed with the refresh token, if tok has one.
func (db *MeshyDB) Resume(tok *oauth2.Token) (*Client, error) {
	if tok == nil {
		return nil, invalidArgument("tok", "must not be nil")
	}
	if tok.AccessToken == "" && tok.RefreshToken == "" {
		return nil, invalidArgument("tok", "has neither an access token nor a refresh token")
	}
	saved := *tok
	return db.newClient(&saved), nil
}

// refresh makes a refresh_token grant with the caller's context. x/oauth2
// keeps the refresh token when the server does not rotate it.
func (db *MeshyDB) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	grantCtx, cancel, attempts := db.grantContext(ctx)
	defer cancel()
	tok, err := db.oauth.TokenSource(grantCtx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, db.grantError(err, *attempts)
	}
	return tok, nil
}

// grantError turns an x/oauth2 failure after the given number of attempts
// into the SDK's errors: an answer from the token endpoint becomes an
// *APIError; anything else keeps its cause unwrappable.
func (db *MeshyDB) grantError(err error, attempts int) error {
	var retrieveErr *oauth2.RetrieveError
	if errors.As(err, &retrieveErr) && retrieveErr.Response != nil {
		apiErr := newAPIError(http.MethodPost, db.oauth.Endpoint.TokenURL, retrieveErr.Response, retrieveErr.Body)
		if apiErr.Code == "" {
			apiErr.Code = retrieveErr.ErrorCode
		}
		apiErr.Attempts = attempts
		return apiErr
	}
	return withAttempts(fmt.Errorf("meshydb: token request: %w", err), attempts)
}

// notify tells the token observer, if any, about a new token.
func (db *MeshyDB) notify(c *Client, tok *oauth2.Token) {
	if db.observer != nil {
		saved := *tok
		db.observer(c, &saved)
	}
}

// WithTokenObserver registers fn to be called after every login and every
// token refresh with the new token.
//
// MeshyDB may rotate the refresh token on each refresh, invalidating the
// old one. An app that keeps users signed in across restarts must save the
// newest refresh token every time it changes, or the saved one stops
// working; fn is where to do that. fn runs synchronously on the goroutine
// that caused the login or refresh, outside the SDK's locks, so it may call
// the Client's methods; keep it quick.
func WithTokenObserver(fn func(c *Client, tok *oauth2.Token)) Option {
	return optionFunc(func(cfg *config) error {
		cfg.observer = fn
		return nil
	})
}
