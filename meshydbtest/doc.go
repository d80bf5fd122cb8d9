// Package meshydbtest provides an in-memory MeshyDB users server for tests
// and demos, in the spirit of net/http/httptest.
//
// [NewServer] starts a server on a loopback address with one account,
// [DefaultClientKey] / [DefaultPublicKey]. Point the SDK at it with both
// base URLs:
//
//	srv := meshydbtest.NewServer()
//	defer srv.Close()
//	srv.AddUser(meshydbtest.DefaultClientKey, "", meshydbtest.SeedUser{
//		Username: "bob", Password: "s3cret",
//	})
//	db, _ := meshydb.New(meshydbtest.DefaultClientKey, "", meshydbtest.DefaultPublicKey,
//		meshydb.WithAPIURL(srv.URL), meshydb.WithAuthURL(srv.URL))
//	c, err := db.Login(ctx, "bob", "s3cret")
//
// The server speaks the wire contract of the MeshyDB users API: password
// recovery with signed, expiring hashes; registration and verification;
// the OAuth2 password and refresh-token grants, revocation and userinfo;
// and user management with role-based permissions. Each account keeps a
// separate set of users per tenant (the "tenant" header; empty is the
// default tenant), and every tenant exists from its first use.
//
// Nothing is mailed or texted: the codes a real server would send go to
// the outbox ([Server.Outbox], [Server.LastCode], [WithOutboxHook]). Time
// comes from an injectable clock ([WithClock], [Server.SetClock]), so
// expiry is tested without sleeping. [Server.InjectFault] makes the next
// matching requests fail, for testing retries and error handling.
//
// Behaviour worth knowing when writing tests against it:
//
//   - Usernames are unique per tenant and match ignoring case.
//   - Reset and verification hashes expire an hour after they are issued,
//     by the server's clock; their "expires" has seven fraction digits, like
//     .NET, and must come back byte for byte. The hash is an HMAC over the
//     username, expires, attempt and hint, so changing any of them makes it
//     invalid, and so does a password change. A successful reset also
//     revokes the user's refresh tokens.
//   - Access tokens live an hour by the server's clock. A refresh token is
//     issued when the scope includes offline_access, is rotated on every
//     refresh, and stops working once used or revoked.
//   - Accounts that verify by email or text refuse to log in unverified
//     users (anonymous users excepted). Seeded users are verified unless
//     SeedUser.Unverified says otherwise, and users created through
//     POST users unless the request says otherwise.
//   - Errors are 400, 401, 403 or 404 with {"message": "..."}, and OAuth2
//     errors ({"error": ..., "error_description": ...}) on connect/*.
//
// A Server is safe for concurrent use. It is a test double, not a secure
// store: passwords are kept only as salted PBKDF2 hashes, but security
// answers are kept in memory so that the outbox can show them.
package meshydbtest
