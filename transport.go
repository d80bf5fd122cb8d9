package meshydb

import (
	"net/http"
	"time"
)

// DefaultTimeout bounds a whole call, retries included, made with the SDK's
// own HTTP client. It is never applied to a client given with
// [WithHTTPClient]; a context deadline can always shorten it.
const DefaultTimeout = 30 * time.Second

// defaultHTTPClient is used when no WithHTTPClient option is given. Its
// transport resolves http.DefaultTransport on every request rather than at
// construction, so test tools that swap http.DefaultTransport (such as
// httpmock.Activate) take effect whenever they run.
var defaultHTTPClient = &http.Client{Transport: lateBoundTransport{}}

// lateBoundTransport forwards to whatever http.DefaultTransport is at the
// time of the request.
type lateBoundTransport struct{}

func (lateBoundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return http.DefaultTransport.RoundTrip(req)
}
