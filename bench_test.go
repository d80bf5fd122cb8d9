package meshydb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/meshydb/meshydb-go"
)

// The benchmarks compare each SDK call with a hand-written net/http +
// encoding/json call that sends the same request and decodes the same
// answer, against the same loopback server and http.Client, in the same
// run. bench/run prints the SDK/raw ratios.

const benchHash = `{"username":"username_testermctesterson","expires":"1900-01-01T00:00:00.000Z","hash":"randomlygeneratedhash"}`

const benchUser = `{"id":"5c78cc81dd870827a8e7b6c4","username":"username_testermctesterson","firstName":"Tester","lastName":"McTesterton","verified":true,"isActive":true,"phoneNumber":"+15555555555","emailAddress":"test@test.com","roles":[{"name":"admin","addedDate":"2019-01-01T00:00:00.0000000+00:00"}],"securityQuestions":[{"question":"q","answerHash":"a"}],"anonymous":false,"lastAccessed":"2019-01-01T00:00:00.0000+00:00"}`

// benchPage is one 25-user page of search results.
var benchPage = func() []byte {
	users := make([]string, 25)
	for i := range users {
		users[i] = benchUser
	}
	return []byte(`{"results":[` + strings.Join(users, ",") + `],"page":1,"pageSize":25,"totalRecords":25}`)
}()

// benchServer answers the benchmarked routes with fixed bodies.
func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/bench/users/forgotpassword":
			_, _ = io.WriteString(w, benchHash)
		case "/bench/users/resetpassword":
			w.WriteHeader(http.StatusNoContent)
		case "/bench/users/me":
			_, _ = io.WriteString(w, benchUser)
		case "/bench/users":
			_, _ = w.Write(benchPage)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchDB(b *testing.B, srv *httptest.Server) *meshydb.MeshyDB {
	db, err := meshydb.New("bench", "tenant-1", "pk",
		meshydb.WithHTTPClient(srv.Client()), meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	return db
}

func benchClient(b *testing.B, db *meshydb.MeshyDB) *meshydb.Client {
	c, err := db.Resume(benchToken())
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchToken is a signed-in session's token that needs no refresh.
func benchToken() *oauth2.Token {
	return &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}
}

// rawCall is the hand-written equivalent of one SDK call: the same method,
// URL, headers and body, and a decode of the answer into out.
func rawCall(ctx context.Context, client *http.Client, method, url string, body any, bearer string, out any) error {
	var reader io.Reader
	if body != nil {
		payload, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "meshydb-go/"+meshydb.Version)
	req.Header.Set("Tenant", "tenant-1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// rawHash and rawUser are what a hand-written client would decode into.
type rawHash struct {
	Username string `json:"username"`
	Expires  string `json:"expires"`
	Hash     string `json:"hash"`
}

type rawUser struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Verified     bool   `json:"verified"`
	IsActive     bool   `json:"isActive"`
	PhoneNumber  string `json:"phoneNumber"`
	EmailAddress string `json:"emailAddress"`
	Roles        []struct {
		Name      string `json:"name"`
		AddedDate string `json:"addedDate"`
	} `json:"roles"`
	SecurityQuestions []struct {
		Question   string `json:"question"`
		AnswerHash string `json:"answerHash"`
	} `json:"securityQuestions"`
	Anonymous    bool   `json:"anonymous"`
	LastAccessed string `json:"lastAccessed"`
}

type rawPage struct {
	Results      []rawUser `json:"results"`
	Page         int       `json:"page"`
	PageSize     int       `json:"pageSize"`
	TotalRecords int       `json:"totalRecords"`
}

func BenchmarkForgotPassword(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	b.Run("impl=sdk", func(b *testing.B) {
		db := benchDB(b, srv)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.ForgotPassword(ctx, "username_testermctesterson"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		client, url := srv.Client(), srv.URL+"/bench/users/forgotpassword"
		b.ReportAllocs()
		for b.Loop() {
			var h rawHash
			body := map[string]string{"username": "username_testermctesterson"}
			if err := rawCall(ctx, client, http.MethodPost, url, body, "", &h); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkResetPassword(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	b.Run("impl=sdk", func(b *testing.B) {
		db := benchDB(b, srv)
		var hash meshydb.PasswordResetHash
		if err := json.Unmarshal([]byte(benchHash), &hash); err != nil {
			b.Fatal(err)
		}
		hash.VerificationCode = "123456"
		b.ReportAllocs()
		for b.Loop() {
			if err := db.ResetPassword(ctx, &hash, "n3w-Passw0rd!"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		client, url := srv.Client(), srv.URL+"/bench/users/resetpassword"
		var hash rawHash
		if err := json.Unmarshal([]byte(benchHash), &hash); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			body := map[string]string{
				"username": hash.Username, "expires": hash.Expires, "hash": hash.Hash,
				"verificationCode": "123456", "newPassword": "n3w-Passw0rd!",
			}
			if err := rawCall(ctx, client, http.MethodPost, url, body, "", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUsersMe(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	b.Run("impl=sdk", func(b *testing.B) {
		c := benchClient(b, benchDB(b, srv))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Me(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		client, url := srv.Client(), srv.URL+"/bench/users/me"
		b.ReportAllocs()
		for b.Loop() {
			var u rawUser
			if err := rawCall(ctx, client, http.MethodGet, url, nil, "at", &u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUsersSearch(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	b.Run("impl=sdk", func(b *testing.B) {
		c := benchClient(b, benchDB(b, srv))
		search := &meshydb.UserSearch{Name: "tes", PageSize: 25}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Search(ctx, search); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		client, url := srv.Client(), srv.URL+"/bench/users?name=tes&pageSize=25"
		b.ReportAllocs()
		for b.Loop() {
			var p rawPage
			if err := rawCall(ctx, client, http.MethodGet, url, nil, "at", &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParallel runs calls from many goroutines on one shared MeshyDB
// and Client, against the same raw calls.
func BenchmarkParallel(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	b.Run("ForgotPassword/impl=sdk", func(b *testing.B) {
		db := benchDB(b, srv)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.ForgotPassword(ctx, "username_testermctesterson"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("ForgotPassword/impl=raw", func(b *testing.B) {
		client, url := srv.Client(), srv.URL+"/bench/users/forgotpassword"
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var h rawHash
				body := map[string]string{"username": "username_testermctesterson"}
				if err := rawCall(ctx, client, http.MethodPost, url, body, "", &h); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("UsersMe/impl=sdk", func(b *testing.B) {
		c := benchClient(b, benchDB(b, srv))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Users.Me(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("UsersMe/impl=raw", func(b *testing.B) {
		client, url := srv.Client(), srv.URL+"/bench/users/me"
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var u rawUser
				if err := rawCall(ctx, client, http.MethodGet, url, nil, "at", &u); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// cannedTransport answers every request in memory, so the InProcess
// benchmarks measure the SDK's own work without the noise of a socket and
// a server sharing the machine's cores.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	var body []byte
	status := http.StatusOK
	switch req.URL.Path {
	case "/bench/users/forgotpassword":
		body = []byte(benchHash)
	case "/bench/users/me":
		body = []byte(benchUser)
	case "/bench/users":
		body = benchPage
	default:
		status = http.StatusNoContent
	}
	return &http.Response{
		StatusCode:    status,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

func BenchmarkInProcess(b *testing.B) {
	ctx := context.Background()
	client := &http.Client{Transport: cannedTransport{}}
	db, err := meshydb.New("bench", "tenant-1", "pk",
		meshydb.WithHTTPClient(client), meshydb.WithAPIURL("http://meshydb.invalid"), meshydb.WithAuthURL("http://meshydb.invalid"))
	if err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, db)
	const base = "http://meshydb.invalid/bench/"

	b.Run("ForgotPassword/impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.ForgotPassword(ctx, "username_testermctesterson"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ForgotPassword/impl=raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h rawHash
			body := map[string]string{"username": "username_testermctesterson"}
			if err := rawCall(ctx, client, http.MethodPost, base+"users/forgotpassword", body, "", &h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UsersMe/impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Me(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UsersMe/impl=raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u rawUser
			if err := rawCall(ctx, client, http.MethodGet, base+"users/me", nil, "at", &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UsersSearch/impl=sdk", func(b *testing.B) {
		search := &meshydb.UserSearch{Name: "tes", PageSize: 25}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Search(ctx, search); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UsersSearch/impl=raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p rawPage
			if err := rawCall(ctx, client, http.MethodGet, base+"users?name=tes&pageSize=25", nil, "at", &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSideBySide alternates an SDK call and its raw equivalent in one
// loop against the same loopback server, timing each, so that drift in the
// machine's load hits both alike. It reports both times and their ratio,
// the number the performance budget (sdk/raw <= 1.10) is held to.
func BenchmarkSideBySide(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	db := benchDB(b, srv)
	c := benchClient(b, db)
	client := srv.Client()
	var hash meshydb.PasswordResetHash
	if err := json.Unmarshal([]byte(benchHash), &hash); err != nil {
		b.Fatal(err)
	}
	search := &meshydb.UserSearch{Name: "tes", PageSize: 25}
	cases := []struct {
		name     string
		sdk, raw func() error
	}{
		{"ForgotPassword",
			func() error { _, err := db.ForgotPassword(ctx, "username_testermctesterson"); return err },
			func() error {
				var h rawHash
				body := map[string]string{"username": "username_testermctesterson"}
				return rawCall(ctx, client, http.MethodPost, srv.URL+"/bench/users/forgotpassword", body, "", &h)
			}},
		{"ResetPassword",
			func() error { return db.ResetPassword(ctx, &hash, "n3w-Passw0rd!") },
			func() error {
				body := map[string]string{"username": hash.Username, "expires": "1900-01-01T00:00:00.000Z", "hash": hash.Hash, "newPassword": "n3w-Passw0rd!"}
				return rawCall(ctx, client, http.MethodPost, srv.URL+"/bench/users/resetpassword", body, "", nil)
			}},
		{"UsersMe",
			func() error { _, err := c.Users.Me(ctx); return err },
			func() error {
				var u rawUser
				return rawCall(ctx, client, http.MethodGet, srv.URL+"/bench/users/me", nil, "at", &u)
			}},
		{"UsersSearch",
			func() error { _, err := c.Users.Search(ctx, search); return err },
			func() error {
				var p rawPage
				return rawCall(ctx, client, http.MethodGet, srv.URL+"/bench/users?name=tes&pageSize=25", nil, "at", &p)
			}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var sdkTime, rawTime time.Duration
			timed := func(call func() error, total *time.Duration) {
				start := time.Now()
				if err := call(); err != nil {
					b.Fatal(err)
				}
				*total += time.Since(start)
			}
			n := 0
			for b.Loop() {
				if n%2 == 0 { // alternate the order, so neither always runs first
					timed(tc.sdk, &sdkTime)
					timed(tc.raw, &rawTime)
				} else {
					timed(tc.raw, &rawTime)
					timed(tc.sdk, &sdkTime)
				}
				n++
			}
			b.ReportMetric(float64(sdkTime.Nanoseconds())/float64(n), "sdk-ns/op")
			b.ReportMetric(float64(rawTime.Nanoseconds())/float64(n), "raw-ns/op")
			b.ReportMetric(float64(sdkTime)/float64(rawTime), "sdk/raw")
		})
	}
}
