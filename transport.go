package meshydb

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

// DefaultTimeout bounds a whole call, retries included, made with the SDK's
// own HTTP client. It is never applied to a client given with
// [WithHTTPClient]; a context deadline can always shorten it.
const DefaultTimeout = 30 * time.Second

// maxRedirects is how many redirects the SDK's own client follows.
const maxRedirects = 10

// defaultHTTPClient is used when no WithHTTPClient option is given. Its
// transport resolves http.DefaultTransport on every request rather than at
// construction, so test tools that swap http.DefaultTransport (such as
// httpmock.Activate) take effect whenever they run.
var defaultHTTPClient = &http.Client{
	Transport:     lateBoundTransport{},
	CheckRedirect: keepTokenOnHost,
}

// lateBoundTransport forwards to whatever http.DefaultTransport is at the
// time of the request. While it is still net/http's own, it forwards to a
// clone tuned to keep more idle connections per host instead: the
// original keeps 2, so parallel calls would open and close connections.
type lateBoundTransport struct{}

// maxIdleConnsPerHost is how many idle connections the SDK's own transport
// keeps per host, so that up to this many goroutines calling MeshyDB at
// once reuse connections rather than churn them.
const maxIdleConnsPerHost = 64

// stdTransport is net/http's default transport as it was at start-up.
var stdTransport = http.DefaultTransport

// pooledTransport is stdTransport with a larger idle pool, built once.
var pooledTransport = sync.OnceValue(func() http.RoundTripper {
	t, ok := stdTransport.(*http.Transport)
	if !ok {
		return stdTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return t
})

func (lateBoundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	current := http.DefaultTransport
	if current == stdTransport {
		return pooledTransport().RoundTrip(req)
	}
	return current.RoundTrip(req)
}

// keepTokenOnHost follows redirects but drops the Authorization header as
// soon as one leaves the original scheme and host. net/http alone would
// still send it to a subdomain.
func keepTokenOnHost(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("meshydb: stopped after 10 redirects")
	}
	if first := via[0].URL; req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		req.Header.Del("Authorization")
	}
	return nil
}

// CloseIdleConnections closes the idle connections of the transports the
// SDK's own client may use; http.Client.CloseIdleConnections calls it.
func (lateBoundTransport) CloseIdleConnections() {
	for _, t := range []http.RoundTripper{pooledTransport(), http.DefaultTransport} {
		if closer, ok := t.(interface{ CloseIdleConnections() }); ok {
			closer.CloseIdleConnections()
		}
	}
}
