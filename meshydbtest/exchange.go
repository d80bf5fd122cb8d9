package meshydbtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxRequestBody caps the size of a request body.
const maxRequestBody = 1 << 20

// handlerFunc serves one endpoint. It runs with the server's lock held and
// returns the answer, which is written after the lock is released.
type handlerFunc func(x *exchange) *response

// exchange is one request as a handler sees it: the account and tenant it
// addresses, its body, and the time it is served at.
type exchange struct {
	s          *Server
	r          *http.Request
	body       []byte
	acct       *account
	tenantName string
	tenant     *tenant
	now        time.Time
	mail       []Message // for the outbox hook, once the lock is released
}

// handle adapts h to http.Handler: it reads the body, resolves the account
// and tenant under the lock, runs h, and writes its answer.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				messageError(http.StatusRequestEntityTooLarge, "The request body is too large.").write(w)
			} else {
				messageError(http.StatusBadRequest, "The request body could not be read.").write(w)
			}
			return
		}
		x := &exchange{s: s, r: r, body: body, tenantName: r.Header.Get("tenant")}
		s.mu.Lock()
		var res *response
		if x.acct = s.accounts[r.PathValue("clientKey")]; x.acct == nil {
			res = messageError(http.StatusNotFound, "Account not found.")
		} else {
			x.tenant = x.acct.tenant(x.tenantName)
			x.now = s.now()
			res = h(x)
		}
		s.mu.Unlock()
		s.deliver(x.mail)
		res.write(w)
	})
}

// decode reads the JSON body into v. Unknown fields are ignored and an
// empty body leaves v as it is; anything but JSON is a 400.
func (x *exchange) decode(v any) *response {
	if len(strings.TrimSpace(string(x.body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(x.body, v); err != nil {
		return messageError(http.StatusBadRequest, "The request body is not valid JSON for this call.")
	}
	return nil
}

// response is a handler's answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (res *response) write(w http.ResponseWriter) {
	for k, v := range res.header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

// jsonResponse answers status with v encoded as JSON.
func jsonResponse(status int, v any) *response {
	body, err := json.Marshal(v)
	if err != nil {
		return messageError(http.StatusInternalServerError, "The answer could not be encoded.")
	}
	return &response{
		status: status,
		header: http.Header{"Content-Type": {"application/json"}},
		body:   body,
	}
}

// noContent answers 204 with no body.
func noContent() *response { return &response{status: http.StatusNoContent} }

// messageError answers status with {"message": message}, the error shape
// of the users API.
func messageError(status int, message string) *response {
	return jsonResponse(status, map[string]string{"message": message})
}

// badRequest answers 400 with message.
func badRequest(message string) *response { return messageError(http.StatusBadRequest, message) }

// oauthError answers 400 with an OAuth2 error body, the error shape of
// the connect/* calls.
func oauthError(code, description string) *response {
	res := jsonResponse(http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
	res.header.Set("Cache-Control", "no-store")
	return res
}
