package meshydbtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/meshydb/meshydb-go"
	"github.com/meshydb/meshydb-go/meshydbtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultThenSuccess(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	srv.InjectFault(meshydbtest.Fault{Method: http.MethodPost, Path: "users/forgotpassword", Status: http.StatusServiceUnavailable})
	db := newDB(t, srv, "")

	hash, err := db.ForgotPassword(t.Context(), "bob")
	require.NoError(t, err, "the SDK retries a POST after 503")
	assert.Equal(t, "bob", hash.Username)
	assert.Equal(t, 2, srv.RequestsTo(http.MethodPost, "users/forgotpassword"))
	assert.Len(t, srv.Outbox(), 1, "only the served request sent a code")
}

func TestFaultRateLimited(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	srv.InjectFault(meshydbtest.Fault{Path: "users/forgotpassword", Status: http.StatusTooManyRequests, RetryAfter: "120", Times: 5})
	db := newDB(t, srv, "")

	_, err := db.ForgotPassword(t.Context(), "bob")
	assert.ErrorIs(t, err, meshydb.ErrRateLimited)
	apiErr := apiError(t, err)
	assert.Equal(t, 120*time.Second, apiErr.RetryAfter)
	assert.Equal(t, 1, apiErr.Attempts, "a Retry-After beyond the SDK's limit is not waited for")
	assert.Equal(t, 1, srv.Requests())
}

func TestFaultUntilCleared(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	srv.InjectFault(meshydbtest.Fault{Method: http.MethodGet, Path: "users/me", Status: http.StatusBadGateway, Body: "<html><title>502 Bad Gateway</title></html>", Times: -1})
	c := login(t, newDB(t, srv, ""), "bob", "pw")

	_, err := c.Users.Me(t.Context())
	assert.ErrorIs(t, err, meshydb.ErrServer)
	assert.Equal(t, "502 Bad Gateway", apiError(t, err).Message)
	assert.Equal(t, 3, srv.RequestsTo(http.MethodGet, "users/me"), "GET is retried after 502")

	srv.ClearFaults()
	_, err = c.Users.Me(t.Context())
	assert.NoError(t, err)
}

func TestFaultOnTokenEndpoint(t *testing.T) {
	srv, _ := newServer(t)
	addVerified(srv, "", "bob", "pw")
	srv.InjectFault(meshydbtest.Fault{Path: "connect/token", Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"Try later."}`})
	db := newDB(t, srv, "")

	_, err := db.Login(t.Context(), "bob", "pw")
	apiErr := apiError(t, err)
	assert.Equal(t, "invalid_grant", apiErr.Code)
	assert.Equal(t, "Try later.", apiErr.Message)
	login(t, db, "bob", "pw")
}
