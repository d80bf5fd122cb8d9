package meshydb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/jarcoal/httpmock"

	"github.com/meshydb/meshydb-go"
)

// demoServer stands in for MeshyDB in the examples: it answers the
// password-recovery and session calls the way the service documents them.
func demoServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/my-account/users/forgotpassword":
			if strings.Contains(string(body), `"nobody"`) {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"message": "User not found."}`)
				return
			}
			fmt.Fprint(w, `{"username": "bob", "expires": "2030-01-01T00:00:00.000Z", "hash": "randomlygeneratedhash"}`)
		case "/my-account/users/checkhash":
			fmt.Fprint(w, strings.Contains(string(body), `"verificationCode":"123456"`))
		case "/my-account/users/resetpassword":
			w.WriteHeader(http.StatusNoContent)
		case "/my-account/connect/token":
			form, _ := url.ParseQuery(string(body))
			if form.Get("password") == "wrong" || form.Get("refresh_token") == "revoked" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error": "invalid_grant", "error_description": "Invalid username or password."}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token": "at-1", "expires_in": 3600, "token_type": "Bearer", "refresh_token": "rt-2"}`)
		case "/my-account/connect/userinfo":
			fmt.Fprint(w, `{"sub": "5c990a77", "id": "bob", "role": ["admin", "test"], "rate_limit": "10"}`)
		case "/my-account/connect/revocation":
			w.WriteHeader(http.StatusOK)
		default:
			http.NotFound(w, r)
		}
	}))
}

func ExampleNew() {
	db, err := meshydb.New("my-account", "my-tenant", "my-public-key",
		meshydb.WithUserAgent("myapp/1.2"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(db.ClientKey(), db.Tenant())

	_, err = meshydb.New("", "", "my-public-key")
	fmt.Println(err)
	// Output:
	// my-account my-tenant
	// meshydb: invalid argument: clientKey is required
}

func ExampleMeshyDB_ForgotPassword() {
	srv := demoServer()
	defer srv.Close()
	db, err := meshydb.New("my-account", "", "my-public-key", meshydb.WithAPIURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	hash, err := db.ForgotPassword(context.Background(), "bob")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hash.Username, hash.Expires.Year())
	fmt.Println(hash) // the hash itself is never printed

	_, err = db.ForgotPassword(context.Background(), "nobody")
	fmt.Println(errors.Is(err, meshydb.ErrNotFound))
	// Output:
	// bob 2030
	// {Username:"bob" Expires:2030-01-01T00:00:00Z Hash:[REDACTED] Attempt:0 Hint:"" VerificationCode:}
	// true
}

func ExampleMeshyDB_ResetPassword() {
	srv := demoServer()
	defer srv.Close()
	db, err := meshydb.New("my-account", "", "my-public-key", meshydb.WithAPIURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	hash, err := db.ForgotPassword(ctx, "bob")
	if err != nil {
		log.Fatal(err)
	}
	// The user reads the code from the email or text MeshyDB sent.
	hash.VerificationCode = "123456"
	if ok, err := db.CheckHash(ctx, hash); err != nil || !ok {
		log.Fatal("wrong code: ", err)
	}
	if err := db.ResetPassword(ctx, hash, "n3w-Passw0rd!"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("password reset")

	err = db.ResetPassword(ctx, hash, "")
	fmt.Println(err)
	// Output:
	// password reset
	// meshydb: invalid argument: newPassword is required
}

func ExampleAPIError() {
	srv := demoServer()
	defer srv.Close()
	db, err := meshydb.New("my-account", "", "my-public-key", meshydb.WithAPIURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	_, err = db.ForgotPassword(context.Background(), "nobody")
	var apiErr *meshydb.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	// Output:
	// 404 User not found.
}

// Apps unit-test their own code against the SDK with httpmock: register a
// responder for each MeshyDB URL the code calls.
func Example_testingWithHTTPMock() {
	httpmock.Activate()
	defer httpmock.DeactivateAndReset()

	httpmock.RegisterResponder(http.MethodPost,
		"https://api.meshydb.com/my-account/users/forgotpassword",
		httpmock.NewStringResponder(http.StatusTooManyRequests, `{"message": "Rate limit reached."}`).
			HeaderSet(http.Header{"Retry-After": {"120"}}))

	db, err := meshydb.New("my-account", "", "my-public-key")
	if err != nil {
		log.Fatal(err)
	}
	_, err = db.ForgotPassword(context.Background(), "bob")

	var apiErr *meshydb.APIError
	if errors.As(err, &apiErr) && errors.Is(err, meshydb.ErrRateLimited) {
		fmt.Println(apiErr.Message, "retry after", apiErr.RetryAfter)
	}
	fmt.Println(httpmock.GetTotalCallCount(), "request sent")
	// Output:
	// Rate limit reached. retry after 2m0s
	// 1 request sent
}
