// Package meshydb is a client for the MeshyDB users API: password recovery,
// registration and verification, sessions, and user management.
//
// Start with [New], which needs the account's clientKey, the tenant (empty
// for the account's default) and the application's publicKey:
//
//	db, err := meshydb.New("my-account", "", "my-public-key")
//	hash, err := db.ForgotPassword(ctx, "bob")
//
// Every call takes a context first and honours its cancellation and
// deadline. Failures from the server are [*APIError] values that match the
// sentinel errors ([ErrNotFound], [ErrBadRequest], ...) with [errors.Is];
// bad input is caught before anything is sent and matches
// [ErrInvalidArgument].
//
// A *MeshyDB is safe for concurrent use by many goroutines and is meant to
// be built once and shared.
package meshydb

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Version is the SDK's version. It is sent in the User-Agent header as
// "meshydb-go/{Version}".
const Version = "0.1.0"

// MeshyDB is the entry point to one MeshyDB account and tenant. It makes
// the calls that need no signed-in user. It is safe for concurrent use.
type MeshyDB struct {
	clientKey string
	tenant    string
	publicKey string
	api       endpoint // base of users/... calls, ending in "/{clientKey}/"
	auth      endpoint // base of connect/... calls, ending in "/{clientKey}/"
	http      requester

	oauth       *oauth2.Config // the password and refresh-token grants
	grantClient *http.Client   // carries x/oauth2's requests over http
	observer    func(*Client, *oauth2.Token)
}

// New returns a MeshyDB for the account clientKey, the tenant (empty for the
// account's default tenant) and the application publicKey.
//
// New checks its arguments and sends nothing. It fails, with an error that
// wraps [ErrInvalidArgument] and names the parameter, when clientKey or
// publicKey is blank, when tenant cannot be sent as a header value, or when
// an option is invalid.
func New(clientKey, tenant, publicKey string, opts ...Option) (*MeshyDB, error) {
	if strings.TrimSpace(clientKey) == "" {
		return nil, invalidArgument("clientKey", "is required")
	}
	if clientKey == "." || clientKey == ".." {
		return nil, invalidArgument("clientKey", "must not be a dot segment")
	}
	if strings.TrimSpace(publicKey) == "" {
		return nil, invalidArgument("publicKey", "is required")
	}
	if err := checkHeaderValue("tenant", tenant); err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt.apply(&cfg); err != nil {
			return nil, err
		}
	}
	api, err := parseBase("WithAPIURL", cfg.apiURL)
	if err != nil {
		return nil, err
	}
	auth, err := parseBase("WithAuthURL", cfg.authURL)
	if err != nil {
		return nil, err
	}
	prefix := "/" + url.PathEscape(clientKey) + "/"
	db := &MeshyDB{
		clientKey: clientKey,
		tenant:    tenant,
		publicKey: publicKey,
		api:       endpoint(api + prefix),
		auth:      endpoint(auth + prefix),
		http:      newRequester(cfg, tenant),
		oauth:     newOAuthConfig(endpoint(auth+prefix), publicKey),
		observer:  cfg.observer,
	}
	db.grantClient = &http.Client{Transport: grantTransport{&db.http}}
	return db, nil
}

// ClientKey returns the account's client key given to New.
func (db *MeshyDB) ClientKey() string { return db.clientKey }

// Tenant returns the tenant given to New; empty means the account's default.
func (db *MeshyDB) Tenant() string { return db.tenant }

// CloseIdleConnections closes the idle keep-alive connections of the HTTP
// client db uses, as http.Client.CloseIdleConnections does. Connections in
// use are not interrupted. Without WithHTTPClient, the SDK's own client and
// its connection pool are shared by every MeshyDB in the process.
func (db *MeshyDB) CloseIdleConnections() {
	db.http.client.CloseIdleConnections()
}
