package meshydbtest

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is an in-memory MeshyDB users server. Its URL is the base for
// both meshydb.WithAPIURL and meshydb.WithAuthURL. It is an http.Handler,
// so it can also be mounted by hand (see [NewHandler]).
//
// A Server is safe for concurrent use: every request and every method
// takes one lock.
type Server struct {
	// URL is the base URL of the server, "http://127.0.0.1:port", with no
	// trailing slash; empty for a Server from NewHandler.
	URL string

	ts  *httptest.Server
	mux *http.ServeMux

	mu       sync.Mutex
	clock    func() time.Time
	hook     func(Message)
	secret   []byte // HMAC key for reset and verification hashes
	accounts map[string]*account
	access   map[string]*accessToken
	refresh  map[string]*refreshToken
	outbox   []Message
	faults   []*Fault
	hits     map[hitKey]int
	requests int
	seq      uint64 // creation order of users
}

// NewServer starts a Server on a loopback address. Without a [WithAccount]
// option it has one account, [DefaultAccount]. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := NewHandler(opts...)
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s
}

// NewHandler returns a Server that does not listen: serve it with
// ServeHTTP, for example from an http.Server of your own. Its URL is
// empty.
func NewHandler(opts ...Option) *Server {
	var cfg config
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if len(cfg.accounts) == 0 {
		cfg.accounts = []Account{DefaultAccount()}
	}
	s := &Server{
		clock:    cfg.clock,
		hook:     cfg.hook,
		secret:   make([]byte, 32),
		accounts: make(map[string]*account),
		access:   make(map[string]*accessToken),
		refresh:  make(map[string]*refreshToken),
		hits:     make(map[hitKey]int),
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	rand.Read(s.secret)
	for _, a := range cfg.accounts {
		s.accounts[a.ClientKey] = newAccount(a)
	}
	s.mux = s.routes()
	return s
}

// Close shuts the server down and blocks until all requests to it have
// finished. It does nothing for a Server from NewHandler.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// ServeHTTP serves one request: it counts it, answers with an injected
// fault if one matches, and otherwise routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.count(r)
	fault := s.takeFault(r)
	s.mu.Unlock()
	if fault != nil {
		fault.write(w)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// routes maps every endpoint, below /{clientKey}/, to its handler.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for pattern, h := range map[string]handlerFunc{
		// Password recovery.
		"POST users/forgotpassword": s.forgotPassword,
		"POST users/checkhash":      s.checkHash,
		"POST users/resetpassword":  s.resetPassword,
		// Registration and verification.
		"GET users/{username}/exists":   s.usernameExists,
		"POST users/register":           s.register,
		"POST users/register/anonymous": s.registerAnonymous,
		"POST users/verify":             s.verify,
		// Tokens.
		"POST connect/token":      s.token,
		"POST connect/revocation": s.revoke,
		"GET connect/userinfo":    s.userInfo,
		"POST connect/userinfo":   s.userInfo,
		// The signed-in user.
		"GET users/me":            s.me,
		"PUT users/me":            s.updateMe,
		"POST users/me/password":  s.changeMyPassword,
		"POST users/me/questions": s.setMyQuestions,
		// User management.
		"POST users":                s.createUser,
		"GET users":                 s.searchUsers,
		"GET users/{id}":            s.getUser,
		"PUT users/{id}":            s.updateUser,
		"DELETE users/{id}":         s.deleteUser,
		"POST users/{id}/questions": s.setUserQuestions,
	} {
		method, route, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" /{clientKey}/"+route, s.handle(h))
	}
	return mux
}

// now reads the clock; the lock must be held.
func (s *Server) now() time.Time { return s.clock().UTC() }

// SetClock makes the server read the time from now from here on; see
// [WithClock].
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}
