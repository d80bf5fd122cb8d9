package meshydbtest

import (
	"net/http"
	"strings"
)

// hitKey counts requests by method and path.
type hitKey struct{ method, path string }

// count records r; the lock must be held.
func (s *Server) count(r *http.Request) {
	s.requests++
	s.hits[hitKey{r.Method, strings.TrimRight(r.URL.Path, "/")}]++
}

// Requests returns how many requests the server has received, faulted
// ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// RequestsTo returns how many requests the server has received with method
// (empty for any) whose path ends in path, matched as in [Fault]: for
// example RequestsTo("POST", "users/forgotpassword"). Faulted requests are
// included, so a call the SDK retried once counts twice.
func (s *Server) RequestsTo(method, path string) int {
	f := Fault{Method: method, Path: strings.Trim(path, "/")}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, hits := range s.hits {
		if f.matches(k.method, k.path) {
			n += hits
		}
	}
	return n
}
