package meshydb

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrorBody(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		body       string
		wantMsg    string
		wantCode   string
		wantFields map[string][]string
	}{
		{
			name:     "OAuth2",
			body:     `{"error":"invalid_grant","error_description":"The user name or password is incorrect."}`,
			wantMsg:  "The user name or password is incorrect.",
			wantCode: "invalid_grant",
		},
		{
			name:     "OAuth2 without description falls back to the code",
			body:     `{"error":"invalid_client"}`,
			wantMsg:  "invalid_client",
			wantCode: "invalid_client",
		},
		{
			name:       "ASP.NET problem details",
			body:       `{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,"traceId":"|abc.","errors":{"Username":["Username is required."]}}`,
			wantMsg:    "One or more validation errors occurred.",
			wantFields: map[string][]string{"Username": {"Username is required."}},
		},
		{
			name:    "problem details detail wins over title",
			body:    `{"title":"Bad Request","status":400,"detail":"Hash has expired."}`,
			wantMsg: "Hash has expired.",
		},
		{
			name:       "problem details with single-string field errors",
			body:       `{"title":"Invalid","errors":{"Username":"Username is required."}}`,
			wantMsg:    "Invalid",
			wantFields: map[string][]string{"Username": {"Username is required."}},
		},
		{
			name:    "errors as a list and no other message",
			body:    `{"errors":["Username is required.","Password is required."]}`,
			wantMsg: "Username is required.; Password is required.",
		},
		{
			name:    "JSON string",
			body:    `"Username is required."`,
			wantMsg: "Username is required.",
		},
		{
			name:    "JSON string with padding",
			body:    "  \n\"  Username is required.  \"\n",
			wantMsg: "Username is required.",
		},
		{
			name:    "array of strings",
			body:    `["Username is required.","Password is too short."]`,
			wantMsg: "Username is required.; Password is too short.",
		},
		{
			name:    "lower-case message",
			body:    `{"message":"User not found."}`,
			wantMsg: "User not found.",
		},
		{
			name:    "capitalised Message",
			body:    `{"Message":"An error has occurred."}`,
			wantMsg: "An error has occurred.",
		},
		{
			name:    "nested error object",
			body:    `{"error":{"code":"E42","message":"Nested reason."}}`,
			wantMsg: "Nested reason.",
		},
		{
			name:    "plain text, first line",
			body:    "\n\nService Unavailable\nretry later\n",
			wantMsg: "Service Unavailable",
		},
		{
			name:    "HTML proxy page",
			body:    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>\r\n</html>\r\n",
			wantMsg: "502 Bad Gateway",
		},
		{
			name:    "HTML page without a title",
			body:    "<html><body><h1>oops</h1></body></html>",
			wantMsg: "",
		},
		{
			name:    "empty",
			body:    "",
			wantMsg: "",
		},
		{
			name:    "whitespace only",
			body:    " \r\n\t ",
			wantMsg: "",
		},
		{
			name:    "truncated JSON object is kept as text",
			body:    `{"message": "Us`,
			wantMsg: `{"message": "Us`,
		},
		{
			name:    "truncated JSON string is kept as text",
			body:    `"Username is`,
			wantMsg: `"Username is`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var msg, code string
			var fields map[string][]string
			require.NotPanics(t, func() { msg, code, fields = parseErrorBody([]byte(tt.body)) })
			assert.Equal(t, tt.wantMsg, msg, "message")
			assert.Equal(t, tt.wantCode, code, "code")
			assert.Equal(t, tt.wantFields, fields, "field errors")
		})
	}
}

func TestParseErrorBody_NeverPanics(t *testing.T) {
	t.Parallel()

	for _, body := range []string{
		"{", "[", `"`, "<", "<title>", "<title></title>", `{"error":`, `{"errors":{"a":`,
		`{"error":123}`, `{"errors":42}`, `[1,2,3]`, "null", "\xff\xfe\xfd", "<html>\xe9<title>x</title>",
	} {
		assert.NotPanics(t, func() { parseErrorBody([]byte(body)) }, "body %q", body)
	}
}

func TestHTMLTitle(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		page string
		want string
	}{
		{"simple", "<html><head><title>502 Bad Gateway</title></head></html>", "502 Bad Gateway"},
		{"upper-case tags", "<HTML><HEAD><TITLE>503 Service Unavailable</TITLE></HEAD></HTML>", "503 Service Unavailable"},
		{"mixed-case tags keep the title's case", "<Title>Gateway Timeout</tItLe>", "Gateway Timeout"},
		{"whitespace is collapsed", "<title>\n   502   Bad\n\tGateway \r\n</title>", "502 Bad Gateway"},
		{"no title", "<html><body>nothing</body></html>", ""},
		{"unclosed title", "<html><title>502 Bad Gateway", ""},
		{"empty title", "<title></title>", ""},
		{"UTF-8 title", "<title>Erreur 502 — passerelle</title>", "Erreur 502 — passerelle"},
		// A proxy page in ISO-8859-1 (or any non-UTF-8 bytes) before the
		// title: lower-casing must not shift the offsets used on the page.
		{"Latin-1 byte before the title", "<html><!-- caf\xe9 --><title>502 Bad Gateway</title></html>", "502 Bad Gateway"},
		{"many Latin-1 bytes before the title", "<html>" + strings.Repeat("\xe9", 40) + "<title>502 Bad Gateway</title></html>", "502 Bad Gateway"},
		// Runes whose lower case has a different UTF-8 length.
		{"İ before the title (lower case is shorter)", "<html>İİİİ<title>502 Bad Gateway</title></html>", "502 Bad Gateway"},
		{"Ⱥ before the title (lower case is longer)", "<html>ȺȺȺȺ<title>502 Bad Gateway</title></html>", "502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			if !assert.NotPanics(t, func() { got = htmlTitle([]byte(tt.page)) }) {
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFirstLine(t *testing.T) {
	t.Parallel()

	tests := []struct {
		text string
		want string
	}{
		{"", ""},
		{"one line", "one line"},
		{"first\nsecond", "first"},
		{"first\r\nsecond", "first"},
		{"\n\n   \n  third  \nfourth", "third"},
		{"\t \r\n", ""},
		{"no newline at end   ", "no newline at end"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, firstLine([]byte(tt.text)), "firstLine(%q)", tt.text)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()

	const ellipsis = "…"
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{"shorter than n", "abc", 10, "abc"},
		{"exactly n", "abcde", 5, "abcde"},
		{"empty", "", 3, ""},
		{"ASCII cut", "abcdefgh", 3, "abc" + ellipsis},
		{"cut on a rune boundary", "ééé", 4, "éé" + ellipsis},
		{"cut inside a 2-byte rune backs off", "ééé", 3, "é" + ellipsis},
		{"cut inside a 4-byte rune backs off", "a😀b", 3, "a" + ellipsis},
		{"cut inside the first rune", "😀😀", 2, ellipsis},
		{"CJK", "日本語テキスト", 7, "日本" + ellipsis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := truncate(tt.s, tt.n)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got), "result must be valid UTF-8: %q", got)
			assert.LessOrEqual(t, len(strings.TrimSuffix(got, ellipsis)), tt.n, "kept text must fit in n bytes")
			assert.True(t, strings.HasPrefix(tt.s, strings.TrimSuffix(got, ellipsis)), "kept text must be a prefix")
		})
	}
}

func TestTruncate_LongMultiByteNeverSplitsARune(t *testing.T) {
	t.Parallel()

	s := strings.Repeat("ä😀x", 400)
	for n := 0; n < 40; n++ {
		got := truncate(s, n)
		assert.True(t, utf8.ValidString(got), "n=%d: %q", n, got)
		assert.True(t, strings.HasPrefix(s, strings.TrimSuffix(got, "…")), "n=%d", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()

	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{"missing", "", 0},
		{"seconds", "120", 120 * time.Second},
		{"seconds with space", "  30 ", 30 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"HTTP date in the future", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"RFC 850 date in the future", now.Add(time.Hour).Format(time.RFC850), time.Hour},
		{"ANSI C date in the future", now.Add(2 * time.Minute).Format(time.ANSIC), 2 * time.Minute},
		{"HTTP date now", now.Format(http.TimeFormat), 0},
		{"HTTP date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
		{"fractional seconds", "1.5", 0},
		{"beyond int64", "99999999999999999999", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, parseRetryAfter(tt.value, now))
		})
	}
}

func TestParseRetryAfter_HugeSecondsDoNotOverflow(t *testing.T) {
	t.Parallel()

	now := time.Now()
	for _, value := range []string{
		"9223372036",          // the largest whole-second Duration
		"9223372037",          // one past it
		"10000000000",         // 317 years
		"9223372036854775807", // math.MaxInt64 seconds
	} {
		got := parseRetryAfter(value, now)
		assert.Positive(t, got, "Retry-After %s must not wrap to a negative duration", value)
		assert.Greater(t, got, 100*365*24*time.Hour, "Retry-After %s must stay huge", value)
		assert.LessOrEqual(t, int64(got), int64(math.MaxInt64))
	}
}

func TestParseFieldErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		raw        string
		wantFields map[string][]string
		wantList   []string
	}{
		{"map of lists", `{"F":["a"]}`, map[string][]string{"F": {"a"}}, nil},
		{"map of lists, several", `{"F":["a","b"],"G":["c"]}`, map[string][]string{"F": {"a", "b"}, "G": {"c"}}, nil},
		{"map of strings", `{"F":"a"}`, map[string][]string{"F": {"a"}}, nil},
		{"map of strings, several", `{"F":"a","G":"b"}`, map[string][]string{"F": {"a"}, "G": {"b"}}, nil},
		{"list of strings", `["a","b"]`, nil, []string{"a", "b"}},
		{"absent", ``, nil, nil},
		{"null", `null`, nil, nil},
		{"empty object", `{}`, nil, nil},
		{"number", `42`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fields, list := parseFieldErrors(json.RawMessage(tt.raw))
			assert.Equal(t, tt.wantFields, fields, "fields")
			assert.Equal(t, tt.wantList, list, "list")
		})
	}
}
