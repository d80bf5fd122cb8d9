package meshydb

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"time"
)

// WithLogger makes the SDK log each attempt of each call to l at debug
// level (method, route, status, attempt number, duration) and each retry at
// warning level. It never logs a body, a header, a password, a token, a hash
// or a verification code. Routes are logged as templates, such as
// "users/{id}", so user ids stay out of the log too.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(cfg *config) error {
		cfg.logger = l
		return nil
	})
}

// logAttempt records one finished attempt of c: status is 0 when no answer
// arrived.
func (r *requester) logAttempt(ctx context.Context, c *call, attempt, status int, elapsed time.Duration, err error) {
	if r.logger == nil || !r.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", c.method),
		slog.String("route", c.template()),
		slog.Int("attempt", attempt),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
	}
	if err != nil && status == 0 {
		attrs = append(attrs, slog.String("error", logReason(err)))
	}
	r.logger.LogAttrs(ctx, slog.LevelDebug, "meshydb request", attrs...)
}

// logRetry records the decision to send c again after wait.
func (r *requester) logRetry(ctx context.Context, c *call, attempt int, wait time.Duration, err error) {
	if r.logger == nil {
		return
	}
	r.logger.LogAttrs(ctx, slog.LevelWarn, "meshydb retrying",
		slog.String("method", c.method),
		slog.String("route", c.template()),
		slog.Int("attempt", attempt),
		slog.Duration("wait", wait),
		slog.String("reason", logReason(err)),
	)
}

// logReason describes err without the request URL, which may hold ids.
func logReason(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return strconv.Itoa(apiErr.StatusCode) + " " + apiErr.Message
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}
