package meshydb_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
)

func ExampleMeshyDB_Login() {
	srv := demoServer()
	defer srv.Close()
	db, err := meshydb.New("my-account", "", "my-public-key",
		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	client, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}
	info, err := client.UserInfo(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Login, info.Roles, info.RateLimit)

	_, err = db.Login(ctx, "bob", "wrong")
	var apiErr *meshydb.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, errors.Is(err, meshydb.ErrBadRequest))
	}
	// Output:
	// bob [admin test] 10
	// invalid_grant true
}

// Apps keep users signed in across restarts by saving the refresh token
// whenever it changes, and restoring the session from it on start.
func ExampleWithTokenObserver() {
	srv := demoServer()
	defer srv.Close()
	var saved string // stands in for the app's secure storage
	db, err := meshydb.New("my-account", "", "my-public-key",
		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL),
		meshydb.WithTokenObserver(func(_ *meshydb.Client, tok *oauth2.Token) {
			saved = tok.RefreshToken // MeshyDB may rotate it on every refresh
		}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	if _, err := db.Login(ctx, "bob", "s3cret"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved", saved)

	// Later, after a restart:
	client, err := db.LoginWithRefreshToken(ctx, saved)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("restored", client.RefreshToken())
	// Output:
	// saved rt-2
	// restored rt-2
}

func ExampleClient_Logout() {
	srv := demoServer()
	defer srv.Close()
	db, err := meshydb.New("my-account", "", "my-public-key",
		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	client, err := db.Login(ctx, "bob", "s3cret")
	if err != nil {
		log.Fatal(err)
	}

	if err := client.Logout(ctx); err != nil {
		log.Fatal(err)
	}
	_, err = client.UserInfo(ctx)
	fmt.Println(err)
	// Output:
	// meshydb: client is logged out
}
