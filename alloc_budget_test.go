//go:build !race

// The race detector changes allocation counts (sync.Pool, for one, drops
// items at random under it), so this budget is checked without -race:
// .ci/run runs it separately.

package meshydb_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/meshydb/meshydb-go"
)

// maxExtraAllocs is the performance budget's allowance: an SDK call may
// allocate at most this many times more than the same request and decode
// written by hand with net/http and encoding/json.
const maxExtraAllocs = 10

func TestAllocationBudget(t *testing.T) {
	ctx := context.Background()
	client := &http.Client{Transport: cannedTransport{}}
	db, err := meshydb.New("bench", "tenant-1", "pk",
		meshydb.WithHTTPClient(client), meshydb.WithAPIURL("http://meshydb.invalid"), meshydb.WithAuthURL("http://meshydb.invalid"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Resume(benchToken())
	if err != nil {
		t.Fatal(err)
	}
	const base = "http://meshydb.invalid/bench/"
	search := &meshydb.UserSearch{Name: "tes", PageSize: 25}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name     string
		sdk, raw func()
	}{
		{"ForgotPassword",
			func() { _, err := db.ForgotPassword(ctx, "username_testermctesterson"); must(err) },
			func() {
				var h rawHash
				must(rawCall(ctx, client, http.MethodPost, base+"users/forgotpassword", map[string]string{"username": "username_testermctesterson"}, "", &h))
			}},
		{"UsersMe",
			func() { _, err := c.Users.Me(ctx); must(err) },
			func() { var u rawUser; must(rawCall(ctx, client, http.MethodGet, base+"users/me", nil, "at", &u)) }},
		{"UsersSearch",
			func() { _, err := c.Users.Search(ctx, search); must(err) },
			func() {
				var p rawPage
				must(rawCall(ctx, client, http.MethodGet, base+"users?name=tes&pageSize=25", nil, "at", &p))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sdk := testing.AllocsPerRun(200, tc.sdk)
			raw := testing.AllocsPerRun(200, tc.raw)
			t.Logf("allocs/op: sdk %.0f, raw %.0f", sdk, raw)
			if sdk-raw > maxExtraAllocs {
				t.Errorf("sdk allocates %.0f times per call, %.0f more than raw net/http (budget %d)", sdk, sdk-raw, maxExtraAllocs)
			}
		})
	}
}
