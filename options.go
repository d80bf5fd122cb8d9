package meshydb

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Default bases of the hosted MeshyDB service. The SDK appends
// "/{clientKey}" to each.
const (
	DefaultAPIURL  = "https://api.meshydb.com"
	DefaultAuthURL = "https://auth.meshydb.com"
)

// Option configures a [MeshyDB] in [New].
type Option interface {
	apply(*config) error
}

// optionFunc adapts a function to Option.
type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config collects what the options set before New validates it.
type config struct {
	httpClient *http.Client
	apiURL     string
	authURL    string
	userAgent  string
	maxBody    int64
	retry      RetryPolicy
	logger     *slog.Logger
	observer   func(*Client, *oauth2.Token)
}

// defaultConfig is what New starts from before applying options.
func defaultConfig() config {
	return config{
		apiURL:  DefaultAPIURL,
		authURL: DefaultAuthURL,
		maxBody: DefaultMaxResponseBytes,
		retry:   DefaultRetryPolicy,
	}
}

// WithHTTPClient makes the SDK send every request, API and auth alike,
// through c. The SDK never modifies c, and it applies no timeout of its own
// to it: c's Timeout and Transport are the caller's choice.
//
// Without this option the SDK uses a client of its own whose transport is
// looked up on every call, so httpmock.Activate works whether it runs before
// or after New.
func WithHTTPClient(c *http.Client) Option {
	return optionFunc(func(cfg *config) error {
		if c == nil {
			return invalidArgument("WithHTTPClient", "must not be nil")
		}
		cfg.httpClient = c
		return nil
	})
}

// WithAPIURL sets the base of the API host, without the clientKey, e.g.
// "http://127.0.0.1:8080" for a local emulator or
// "https://gateway.example.com/meshy" behind a gateway. The default is
// [DefaultAPIURL].
func WithAPIURL(base string) Option {
	return optionFunc(func(cfg *config) error {
		cfg.apiURL = base
		return nil
	})
}

// WithAuthURL sets the base of the auth host, used for the connect/* calls,
// in the same form as [WithAPIURL]. The default is [DefaultAuthURL].
func WithAuthURL(base string) Option {
	return optionFunc(func(cfg *config) error {
		cfg.authURL = base
		return nil
	})
}

// WithUserAgent adds ua, e.g. "myapp/1.2", to the User-Agent header after
// the SDK's own "meshydb-go/{Version}".
func WithUserAgent(ua string) Option {
	return optionFunc(func(cfg *config) error {
		if err := checkHeaderValue("WithUserAgent", ua); err != nil {
			return err
		}
		cfg.userAgent = strings.TrimSpace(ua)
		return nil
	})
}

// WithMaxResponseBytes caps the size of a successful response body at n
// bytes instead of [DefaultMaxResponseBytes]. A larger body fails the call
// with [ErrResponseTooLarge] after reading at most n+1 bytes, so a broken or
// hostile server cannot exhaust memory.
func WithMaxResponseBytes(n int64) Option {
	return optionFunc(func(cfg *config) error {
		if n <= 0 {
			return invalidArgument("WithMaxResponseBytes", "must be positive")
		}
		cfg.maxBody = n
		return nil
	})
}

// parseBase validates a base URL given to WithAPIURL or WithAuthURL and
// returns it without a trailing slash, ready for "/{clientKey}" to be
// appended.
func parseBase(option, base string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	switch {
	case err != nil:
		return "", invalidArgument(option, "is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", invalidArgument(option, "must be an http or https URL")
	case u.Host == "":
		return "", invalidArgument(option, "has no host")
	case u.User != nil:
		return "", invalidArgument(option, "must not carry credentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", invalidArgument(option, "must not have a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
