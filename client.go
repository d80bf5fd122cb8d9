package meshydb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// ErrLoggedOut reports a call on a Client after [Client.Logout]; nothing
// was sent.
var ErrLoggedOut = errors.New("meshydb: client is logged out")

// refreshEarly is how long before its expiry an access token is refreshed,
// so that a token never expires on its way to the server.
const refreshEarly = 30 * time.Second

// Client is a signed-in session: it holds the user's tokens, refreshes the
// access token shortly before it expires, and makes the calls that need a
// signed-in user. Get one from [MeshyDB.Login] and its siblings.
//
// A Client is safe for concurrent use. When many goroutines need a fresh
// token at once, one refresh request is made and all share its result.
type Client struct {
	// Users makes the user calls: the signed-in user's own profile and,
	// with the right permissions, user management.
	Users *UsersService

	db *MeshyDB

	mu         sync.Mutex
	tok        *oauth2.Token
	inflight   *refreshFlight // the refresh in progress, if any
	loggingOut bool           // Logout is revoking: start no refresh
	loggedOut  bool
}

// refreshFlight is one refresh that concurrent callers wait on.
type refreshFlight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

func (db *MeshyDB) newClient(tok *oauth2.Token) *Client {
	c := &Client{db: db, tok: tok}
	c.Users = &UsersService{c: c}
	return c
}

// Token returns a valid access token, refreshing it first when it is
// within 30 seconds of expiring. The refresh honours ctx. The returned
// token is a copy; changing it does not affect the Client.
func (c *Client) Token(ctx context.Context) (*oauth2.Token, error) {
	if ctx == nil {
		return nil, invalidArgument("ctx", "must not be nil")
	}
	tok, err := c.token(ctx, nil)
	if err != nil {
		return nil, err
	}
	copied := *tok
	return &copied, nil
}

// TokenSource returns an oauth2.TokenSource backed by the Client, for use
// with libraries that take one. Its Token method has no context, so a
// refresh it triggers runs with context.Background(); prefer
// [Client.Token] where a context is at hand.
func (c *Client) TokenSource() oauth2.TokenSource {
	return clientTokenSource{c}
}

type clientTokenSource struct{ c *Client }

func (s clientTokenSource) Token() (*oauth2.Token, error) {
	return s.c.Token(context.Background())
}

// RefreshToken returns the current refresh token, to be saved for
// [MeshyDB.LoginWithRefreshToken]. It changes when the server rotates it;
// see [WithTokenObserver].
func (c *Client) RefreshToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == nil {
		return ""
	}
	return c.tok.RefreshToken
}

// token returns the current access token, refreshing it when it is about
// to expire or when it is stale, the token a server just refused. Only one
// refresh runs at a time; concurrent callers wait for it, each until its
// own ctx is done.
func (c *Client) token(ctx context.Context, stale *oauth2.Token) (*oauth2.Token, error) {
	for {
		c.mu.Lock()
		if c.loggedOut {
			c.mu.Unlock()
			return nil, ErrLoggedOut
		}
		if tok := c.tok; tok != stale && usable(tok) {
			c.mu.Unlock()
			return tok, nil
		}
		if c.loggingOut {
			c.mu.Unlock()
			return nil, ErrLoggedOut
		}
		if flight := c.inflight; flight != nil {
			c.mu.Unlock()
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-flight.done:
			}
			if isContextError(flight.err) && ctx.Err() == nil {
				continue // the refresh died with another caller's context
			}
			return flight.tok, flight.err
		}
		flight := &refreshFlight{done: make(chan struct{})}
		c.inflight = flight
		refreshToken := c.tok.RefreshToken
		c.mu.Unlock()

		flight.tok, flight.err = c.refresh(ctx, refreshToken)

		c.mu.Lock()
		if flight.err == nil {
			c.tok = flight.tok
		}
		c.mu.Unlock()
		if flight.err == nil {
			// Before releasing waiters and Logout, so that the observer
			// never hears of a token after Logout has revoked it.
			c.db.notify(c, flight.tok)
		}
		c.mu.Lock()
		c.inflight = nil
		c.mu.Unlock()
		close(flight.done)
		return flight.tok, flight.err
	}
}

// errNoRefreshToken reports an access token that needs refreshing in a
// session without a refresh token.
var errNoRefreshToken = fmt.Errorf("%w: the access token expired and there is no refresh token; log in again", ErrUnauthorized)

func (c *Client) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, errNoRefreshToken
	}
	return c.db.refresh(ctx, refreshToken)
}

// usable reports whether tok has an access token that will not expire in
// the next refreshEarly.
func usable(tok *oauth2.Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	return tok.Expiry.IsZero() || time.Until(tok.Expiry) > refreshEarly
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// do sends c with the access token. When the server answers 401 to a
// token the Client believed valid, it refreshes once and tries once more;
// a second 401 is returned as it is.
func (c *Client) do(ctx context.Context, call *call, out any) error {
	if ctx == nil {
		return invalidArgument("ctx", "must not be nil")
	}
	tok, err := c.token(ctx, nil)
	if err != nil {
		return err
	}
	call.bearer = tok.AccessToken
	err = c.db.http.do(ctx, call, out)
	if !errors.Is(err, ErrUnauthorized) {
		return err
	}
	fresh, refreshErr := c.token(ctx, tok)
	if errors.Is(refreshErr, errNoRefreshToken) {
		return err // nothing to refresh with: the server's 401 says it all
	}
	if refreshErr != nil {
		return refreshErr
	}
	call.bearer = fresh.AccessToken
	return c.db.http.do(ctx, call, out)
}

// Logout revokes the session's refresh token (POST
// {auth}/{clientKey}/connect/revocation) and ends the session: every later
// call on c fails with [ErrLoggedOut] and sends nothing. A refresh in
// progress is waited for, so that the newest refresh token is the one
// revoked. While Logout runs no new refresh starts. When revocation fails,
// the session stays usable and Logout may be tried again.
func (c *Client) Logout(ctx context.Context) error {
	if ctx == nil {
		return invalidArgument("ctx", "must not be nil")
	}
	refreshToken, done, err := c.beginLogout(ctx)
	if done || err != nil {
		return err
	}
	if refreshToken != "" {
		form := url.Values{
			"token":           {refreshToken},
			"token_type_hint": {"refresh_token"},
			"client_id":       {c.db.publicKey},
		}
		revoke := &call{method: http.MethodPost, base: c.db.auth, route: "connect/revocation", form: form}
		err = c.db.http.do(ctx, revoke, nil)
	}
	c.mu.Lock()
	c.loggingOut = false
	if err == nil {
		c.loggedOut, c.tok = true, nil
	}
	c.mu.Unlock()
	return err
}

// beginLogout waits for any refresh in progress, then stops new ones and
// returns the refresh token to revoke. done is true when c is already
// logged out.
func (c *Client) beginLogout(ctx context.Context) (refreshToken string, done bool, err error) {
	for {
		c.mu.Lock()
		if c.loggedOut {
			c.mu.Unlock()
			return "", true, nil
		}
		flight := c.inflight
		if flight == nil {
			c.loggingOut = true
			refreshToken = c.tok.RefreshToken
			c.mu.Unlock()
			return refreshToken, false, nil
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", false, ctx.Err()
		case <-flight.done:
		}
	}
}
