package meshydbtest_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConcurrentSessions(t *testing.T) {
	srv, _ := newServer(t)
	const n = 50
	for i := range n {
		addVerified(srv, "", fmt.Sprintf("user-%d", i), "pw")
	}
	addVerified(srv, "", "shared", "pw")
	db := newDB(t, srv, "")

	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			for _, username := range []string{fmt.Sprintf("user-%d", i), "shared"} {
				c, err := db.Login(t.Context(), username, "pw")
				if err != nil {
					errs <- fmt.Errorf("login %s: %w", username, err)
					continue
				}
				me, err := c.Users.Me(t.Context())
				if err != nil {
					errs <- fmt.Errorf("me %s: %w", username, err)
				} else if me.Username != username {
					errs <- fmt.Errorf("me %s: got %s", username, me.Username)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 4*n, srv.Requests())
}
