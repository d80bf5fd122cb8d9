package meshydbtest

import (
	"net/http"
	"strings"
)

// Fault describes a failure to answer instead of serving requests, for
// testing how a client handles errors, rate limits and retries. See
// [Server.InjectFault].
type Fault struct {
	// Method is the HTTP method to match; empty matches any.
	Method string
	// Path is matched against the end of the request path, e.g.
	// "users/forgotpassword" or "connect/token"; empty matches any path.
	Path string
	// Status is the status to answer with; 0 means 503.
	Status int
	// Body is the answer's body; empty means {"message": <status text>}.
	// It is sent as JSON when it looks like JSON, else as plain text.
	Body string
	// RetryAfter, when set, is sent as the Retry-After header, e.g. "2"
	// or an HTTP date.
	RetryAfter string
	// Times is how many matching requests get the fault; 0 means 1, and a
	// negative value means every matching request until ClearFaults.
	Times int
}

// InjectFault makes the server answer the next f.Times requests that match
// f with f's status, body and Retry-After, instead of serving them. Faults
// match in the order they were injected. Faulted requests are still
// counted by [Server.Requests].
func (s *Server) InjectFault(f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	if f.Times == 0 {
		f.Times = 1
	}
	f.Path = strings.Trim(f.Path, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault not yet used up.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns a copy of the first fault matching r and uses it up
// once; the lock must be held.
func (s *Server) takeFault(r *http.Request) *Fault {
	for i, f := range s.faults {
		if !f.matches(r.Method, r.URL.Path) {
			continue
		}
		taken := *f
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &taken
	}
	return nil
}

// matches reports whether a request with method and path matches f.
func (f *Fault) matches(method, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	return pathHasSuffix(path, f.Path)
}

// pathHasSuffix reports whether path ends in the whole segments of suffix;
// an empty suffix matches every path.
func pathHasSuffix(path, suffix string) bool {
	path = strings.TrimRight(path, "/")
	if suffix == "" || path == suffix {
		return true
	}
	return strings.HasSuffix(path, "/"+suffix)
}

func (f *Fault) write(w http.ResponseWriter) {
	body := f.Body
	if body == "" {
		res := messageError(f.Status, http.StatusText(f.Status))
		body = string(res.body)
	}
	contentType := "text/plain; charset=utf-8"
	if trimmed := strings.TrimSpace(body); trimmed != "" && strings.ContainsRune(`{["`, rune(trimmed[0])) {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
}
