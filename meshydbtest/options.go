package meshydbtest

import "time"

// Option configures a Server in [NewServer] and [NewHandler].
type Option func(*config)

// config collects what the options set.
type config struct {
	accounts []Account
	clock    func() time.Time
	hook     func(Message)
}

// WithAccount adds an account to the server. Give it once per account.
// When any WithAccount is given, only the accounts given exist: add
// [DefaultAccount]() too to keep the default one. An account given twice
// with the same ClientKey keeps the last settings.
func WithAccount(a Account) Option {
	return func(c *config) { c.accounts = append(c.accounts, a) }
}

// WithClock makes the server read the time from now instead of
// [time.Now]: hashes and tokens are issued and expire by it. now is called
// with the server's lock held, so it must not call the Server. See also
// [Server.SetClock].
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithOutboxHook makes the server call fn with every message it puts into
// the outbox, such as a verification code it would have emailed. fn runs
// synchronously on the goroutine serving the request, after the server's
// lock is released, so it may call the Server; keep it quick.
func WithOutboxHook(fn func(Message)) Option {
	return func(c *config) { c.hook = fn }
}
