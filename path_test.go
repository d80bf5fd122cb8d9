package meshydb

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPathSegment_OneEscapedSegment(t *testing.T) {
	t.Parallel()

	for _, value := range []string{
		"../admin",
		"a/b",
		"%",
		"a b",
		"ü",
		"?x#y",
		"/",
		"//",
		"...",
		"./x",
		"x/..",
		"%2e%2e",
		"%2F",
		"a\\b",
		";x=1",
		"user@example.com",
		"username_testermctesterson",
		"用户",
		"a+b",
	} {
		t.Run(value, func(t *testing.T) {
			t.Parallel()

			seg, err := pathSegment("username", value)
			require.NoError(t, err)
			assert.NotContains(t, seg, "/", "a slash would add a path segment")
			assert.NotContains(t, seg, "?", "a question mark would start the query")
			assert.NotContains(t, seg, "#", "a hash would start the fragment")
			assert.NotEqual(t, ".", seg)
			assert.NotEqual(t, "..", seg)
			for _, r := range seg {
				assert.True(t, r > ' ' && r < 0x7f, "segment %q holds unescaped %q", seg, r)
			}

			back, err := url.PathUnescape(seg)
			require.NoError(t, err)
			assert.Equal(t, value, back, "unescaping gives the input back")

			// Placed in a route, it stays one segment and does not move the
			// request to another path, query or fragment.
			u, err := url.Parse("https://api.meshydb.com/key/users/" + seg + "/roles")
			require.NoError(t, err)
			assert.Equal(t, "/key/users/"+value+"/roles", u.Path)
			assert.Equal(t, "/key/users/"+seg+"/roles", u.EscapedPath())
			assert.Empty(t, u.RawQuery)
			assert.Empty(t, u.Fragment)
			parts := strings.Split(u.EscapedPath(), "/")
			require.Len(t, parts, 5)
			assert.Equal(t, seg, parts[3])
		})
	}
}

func TestPathSegment_PlainValuesUnchanged(t *testing.T) {
	t.Parallel()

	for _, value := range []string{"bob", "5c78cc81dd870827a8e7b6c4", "a.b", "a-b_c~d"} {
		seg, err := pathSegment("id", value)
		require.NoError(t, err)
		assert.Equal(t, value, seg)
	}
}

func TestPathSegment_DotSegmentsRejected(t *testing.T) {
	t.Parallel()

	for _, value := range []string{".", ".."} {
		for _, field := range []string{"username", "id"} {
			seg, err := pathSegment(field, value)
			require.ErrorIs(t, err, ErrInvalidArgument, "pathSegment(%q, %q)", field, value)
			assert.Empty(t, seg)
			assert.Contains(t, err.Error(), field, "the error names the field")
			assert.Contains(t, err.Error(), "dot segment")
		}
	}
}
