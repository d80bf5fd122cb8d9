package meshydb_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

func TestNewRejectsInvalidArguments(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		clientKey string
		tenant    string
		publicKey string
		opts      []meshydb.Option
		wantField string
		// leak is a fragment of the bad input that must not be echoed
		// into the error text; empty when there is nothing to check.
		leak string
	}{
		{name: "empty clientKey", clientKey: "", publicKey: "pk", wantField: "clientKey"},
		{name: "blank clientKey", clientKey: "   ", publicKey: "pk", wantField: "clientKey"},
		{name: "whitespace clientKey", clientKey: "\t\r\n ", publicKey: "pk", wantField: "clientKey"},
		{name: "empty publicKey", clientKey: "ck", publicKey: "", wantField: "publicKey"},
		{name: "blank publicKey", clientKey: "ck", publicKey: " \t ", wantField: "publicKey"},
		{name: "tenant with CR", clientKey: "ck", tenant: "a\rb", publicKey: "pk", wantField: "tenant"},
		{name: "tenant with LF", clientKey: "ck", tenant: "a\nb", publicKey: "pk", wantField: "tenant"},
		{name: "tenant with NUL", clientKey: "ck", tenant: "a\x00b", publicKey: "pk", wantField: "tenant"},
		{name: "tenant with DEL", clientKey: "ck", tenant: "a\x7fb", publicKey: "pk", wantField: "tenant"},
		{
			name: "tenant header injection", clientKey: "ck", tenant: "t\r\nX-Evil: 1", publicKey: "pk",
			wantField: "tenant", leak: "X-Evil",
		},
		{name: "WithAPIURL unparsable", opts: newTestOpts(meshydb.WithAPIURL("http://[::1")), wantField: "WithAPIURL"},
		{name: "WithAPIURL ftp", opts: newTestOpts(meshydb.WithAPIURL("ftp://x")), wantField: "WithAPIURL"},
		{name: "WithAPIURL no scheme", opts: newTestOpts(meshydb.WithAPIURL("example.com")), wantField: "WithAPIURL"},
		{name: "WithAPIURL empty", opts: newTestOpts(meshydb.WithAPIURL("")), wantField: "WithAPIURL"},
		{name: "WithAPIURL blank", opts: newTestOpts(meshydb.WithAPIURL("   ")), wantField: "WithAPIURL"},
		{name: "WithAPIURL no host", opts: newTestOpts(meshydb.WithAPIURL("http://")), wantField: "WithAPIURL"},
		{name: "WithAPIURL opaque", opts: newTestOpts(meshydb.WithAPIURL("http:example.com")), wantField: "WithAPIURL"},
		{name: "WithAPIURL query", opts: newTestOpts(meshydb.WithAPIURL("https://api.example.com?x=1")), wantField: "WithAPIURL"},
		{name: "WithAPIURL fragment", opts: newTestOpts(meshydb.WithAPIURL("https://api.example.com#frag")), wantField: "WithAPIURL"},
		{
			name: "WithAPIURL user info", opts: newTestOpts(meshydb.WithAPIURL("https://user:s3cret@api.example.com")),
			wantField: "WithAPIURL", leak: "s3cret",
		},
		{name: "WithAPIURL user only", opts: newTestOpts(meshydb.WithAPIURL("https://user@api.example.com")), wantField: "WithAPIURL"},
		{name: "WithAuthURL unparsable", opts: newTestOpts(meshydb.WithAuthURL("http://[::1")), wantField: "WithAuthURL"},
		{name: "WithAuthURL ftp", opts: newTestOpts(meshydb.WithAuthURL("ftp://x")), wantField: "WithAuthURL"},
		{name: "WithAuthURL no scheme", opts: newTestOpts(meshydb.WithAuthURL("example.com")), wantField: "WithAuthURL"},
		{name: "WithAuthURL empty", opts: newTestOpts(meshydb.WithAuthURL("")), wantField: "WithAuthURL"},
		{name: "WithAuthURL no host", opts: newTestOpts(meshydb.WithAuthURL("http://")), wantField: "WithAuthURL"},
		{name: "WithAuthURL query", opts: newTestOpts(meshydb.WithAuthURL("https://auth.example.com/?x=1")), wantField: "WithAuthURL"},
		{
			name: "WithAuthURL user info", opts: newTestOpts(meshydb.WithAuthURL("https://user:s3cret@auth.example.com")),
			wantField: "WithAuthURL", leak: "s3cret",
		},
		{name: "WithHTTPClient nil", opts: newTestOpts(meshydb.WithHTTPClient(nil)), wantField: "WithHTTPClient"},
		{name: "WithUserAgent LF", opts: newTestOpts(meshydb.WithUserAgent("app/1\nX-Evil: 1")), wantField: "WithUserAgent", leak: "X-Evil"},
		{name: "WithUserAgent CR", opts: newTestOpts(meshydb.WithUserAgent("app/1\r")), wantField: "WithUserAgent"},
		{name: "WithUserAgent NUL", opts: newTestOpts(meshydb.WithUserAgent("app/1\x00")), wantField: "WithUserAgent"},
		{
			// A bad option after a good one still fails.
			name:      "bad option after good ones",
			opts:      newTestOpts(meshydb.WithAPIURL("http://127.0.0.1:1"), meshydb.WithUserAgent("ok/1"), meshydb.WithAuthURL("ftp://x")),
			wantField: "WithAuthURL",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clientKey, publicKey := tt.clientKey, tt.publicKey
			if tt.opts != nil {
				// Option cases use otherwise valid arguments.
				clientKey, publicKey = "ck", "pk"
			}

			db, err := meshydb.New(clientKey, tt.tenant, publicKey, tt.opts...)

			require.Error(t, err)
			assert.Nil(t, db)
			assert.True(t, errors.Is(err, meshydb.ErrInvalidArgument), "errors.Is(%v, ErrInvalidArgument)", err)
			assert.Contains(t, err.Error(), tt.wantField)
			assert.Regexp(t, `^meshydb: `, err.Error())
			if tt.leak != "" {
				assert.NotContains(t, err.Error(), tt.leak, "the error must not echo the bad input")
			}
			var apiErr *meshydb.APIError
			assert.False(t, errors.As(err, &apiErr), "a local validation error is not an APIError")
		})
	}
}

// newTestOpts makes the option table above read on one line per case.
func newTestOpts(o ...meshydb.Option) []meshydb.Option { return o }

func TestNewAcceptsValidArguments(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		clientKey string
		tenant    string
		opts      []meshydb.Option
	}{
		{name: "empty tenant", clientKey: "ck", tenant: ""},
		{name: "ascii tenant", clientKey: "ck", tenant: "acme"},
		{name: "unicode tenant", clientKey: "ck", tenant: "租户-ü-ключ"},
		{name: "tenant with tab and spaces", clientKey: "ck", tenant: "my tenant\tone"},
		{name: "unicode clientKey", clientKey: "ключ", tenant: "t"},
		{name: "clientKey with slash and space", clientKey: "a b/c", tenant: "t"},
		{name: "nil option is ignored", clientKey: "ck", opts: []meshydb.Option{nil}},
		{
			name: "all options", clientKey: "ck", tenant: "t",
			opts: newTestOpts(
				meshydb.WithHTTPClient(&http.Client{}),
				meshydb.WithAPIURL("http://127.0.0.1:8080"),
				meshydb.WithAuthURL("https://gateway.example.com/meshy/"),
				meshydb.WithUserAgent("myapp/1.2"),
			),
		},
		{name: "url with surrounding spaces", clientKey: "ck", opts: newTestOpts(meshydb.WithAPIURL("  https://api.example.com  "))},
		{name: "upper-case scheme", clientKey: "ck", opts: newTestOpts(meshydb.WithAPIURL("HTTPS://api.example.com"))},
		{name: "ipv6 host", clientKey: "ck", opts: newTestOpts(meshydb.WithAPIURL("http://[::1]:8080"))},
		{name: "empty user agent", clientKey: "ck", opts: newTestOpts(meshydb.WithUserAgent(""))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			db, err := meshydb.New(tt.clientKey, tt.tenant, "pk", tt.opts...)

			require.NoError(t, err)
			require.NotNil(t, db)
			assert.Equal(t, tt.clientKey, db.ClientKey())
			assert.Equal(t, tt.tenant, db.Tenant())
		})
	}
}

func TestNewAccessorsKeepValuesVerbatim(t *testing.T) {
	t.Parallel()

	// The accessors return exactly what was given, not the escaped or
	// trimmed forms used on the wire.
	db, err := meshydb.New(" my key/ü ", "Tenant-Ω", "pk")
	require.NoError(t, err)
	assert.Equal(t, " my key/ü ", db.ClientKey())
	assert.Equal(t, "Tenant-Ω", db.Tenant())
}
