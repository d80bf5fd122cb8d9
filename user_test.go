package meshydb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// Decoding of User in every shape the wire reference lists. Each case is
// checked both with json.Unmarshal and through Users.Me, which decodes the
// same answer off the wire. Helpers carry a "ut" prefix; the mocked server
// is mockServer (mock_test.go), and its app and the reference fixture come
// from users_test.go.

// utDecodeBoth decodes body as a User with json.Unmarshal and through Me,
// requires both to succeed and to agree, and returns the first.
func utDecodeBoth(t *testing.T, body string) *meshydb.User {
	t.Helper()
	var direct meshydb.User
	require.NoError(t, json.Unmarshal([]byte(body), &direct), "json.Unmarshal")

	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, body)
	viaMe, err := s.client(usrTenant).Users.Me(context.Background())
	require.NoError(t, err, "Users.Me")
	require.NotNil(t, viaMe)
	assert.Equal(t, usrUTC(&direct), usrUTC(viaMe), "Me decodes like json.Unmarshal")
	return &direct
}

// utDate is a UTC date at midnight.
func utDate(y int, m time.Month, d int) meshydb.Timestamp {
	return meshydb.Timestamp{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func TestUser_DecodesReference(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, usrUserJSON)
	usrAssertUser(t, usrWantUser(), u)
}

func TestUser_RolesAsStrings(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, `{"id":"u1","username":"seed","roles":["admin","test"]}`)
	usrAssertUser(t, &meshydb.User{ID: "u1", Username: "seed",
		Roles: []meshydb.Role{{Name: "admin"}, {Name: "test"}}}, u)
	for _, r := range u.Roles {
		assert.True(t, r.AddedDate.IsZero(), "a role sent as a string has no date")
	}
}

func TestUser_RolesAsObjects(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, `{"roles":[
		{"name":"admin","addedDate":"2019-01-01T00:00:00.0000000+00:00"},
		{"name":"test","addedDate":"1/1/1900"},
		{"name":"ops"},
		{"name":"late","addedDate":null},
		{"name":"bad","addedDate":"yesterday"},
		{"addedDate":"2019-10-18T15:11:55.2413015-05:00","name":"reordered"}
	]}`)
	usrAssertUser(t, &meshydb.User{Roles: []meshydb.Role{
		{Name: "admin", AddedDate: utDate(2019, 1, 1)},
		{Name: "test", AddedDate: utDate(1900, 1, 1)},
		{Name: "ops"},
		{Name: "late"},
		{Name: "bad"},
		{Name: "reordered", AddedDate: meshydb.Timestamp{
			Time: time.Date(2019, 10, 18, 20, 11, 55, 241301500, time.UTC)}},
	}}, u)
}

func TestUser_RolesMixed(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, `{"roles":["admin",{"name":"test","addedDate":"2019-01-01T00:00:00.0000+00:00"}]}`)
	usrAssertUser(t, &meshydb.User{Roles: []meshydb.Role{
		{Name: "admin"}, {Name: "test", AddedDate: utDate(2019, 1, 1)},
	}}, u)
}

// TestUser_RoleObjectsMatchKeysLikeEncodingJSON: every other User field
// is read by encoding/json, which matches keys case-insensitively and
// accepts any value shape in unknown keys; a role object must decode the
// same way whatever else it holds.
func TestUser_RoleObjectsMatchKeysLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	want := &meshydb.User{Username: "x", Roles: []meshydb.Role{{Name: "admin", AddedDate: utDate(2019, 1, 1)}}}
	for _, body := range []string{
		`{"username":"x","roles":[{"name":"admin","addedDate":"2019-01-01T00:00:00Z"}]}`,
		`{"username":"x","roles":[{"name":"admin","addedDate":"2019-01-01T00:00:00Z","id":7}]}`,
		`{"Username":"x","roles":[{"Name":"admin","AddedDate":"2019-01-01T00:00:00Z"}]}`,
		`{"USERNAME":"x","Roles":[{"NAME":"admin","addeddate":"2019-01-01T00:00:00Z","level":[1]}]}`,
	} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			usrAssertUser(t, want, utDecodeBoth(t, body))
		})
	}
}

func TestUser_NullEverywhere(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, `{
		"id": null, "username": null, "firstName": null, "lastName": null,
		"verified": null, "isActive": null, "phoneNumber": null, "emailAddress": null,
		"roles": null, "securityQuestions": null, "anonymous": null, "lastAccessed": null
	}`)
	usrAssertUser(t, &meshydb.User{}, u)
	assert.True(t, u.LastAccessed.IsZero())
}

func TestUser_NullInsideLists(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, `{"username":"x",
		"roles":[null,{"name":null,"addedDate":null},"admin"],
		"securityQuestions":[null,{"question":null,"answerHash":null},{"question":"Q","answerHash":"H"}]}`)
	assert.Equal(t, "x", u.Username)
	require.Len(t, u.Roles, 3)
	assert.Equal(t, meshydb.Role{}, u.Roles[0])
	assert.Equal(t, meshydb.Role{}, u.Roles[1])
	assert.Equal(t, "admin", u.Roles[2].Name)
	assert.Equal(t, []meshydb.SecurityQuestion{{}, {}, {Question: "Q", AnswerHash: "H"}}, u.SecurityQuestions)
}

func TestUser_EmptyAndMissing(t *testing.T) {
	t.Parallel()
	usrAssertUser(t, &meshydb.User{}, utDecodeBoth(t, `{}`))
	u := utDecodeBoth(t, `{"id":"u1","roles":[],"securityQuestions":[],"somethingNew":{"nested":[1,2]}}`)
	assert.Equal(t, "u1", u.ID)
	assert.Empty(t, u.Roles)
	assert.Empty(t, u.SecurityQuestions)
}

func TestUser_Dates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string // raw JSON value
		want time.Time
	}{
		{"four fraction digits", `"2019-01-01T00:00:00.0000+00:00"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"seven fraction digits", `"2019-01-01T00:00:00.0000000+00:00"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"Z", `"1900-01-01T00:00:00.000Z"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"negative offset", `"2019-10-18T15:11:55.2413015-05:00"`, time.Date(2019, 10, 18, 20, 11, 55, 241301500, time.UTC)},
		{"no zone", `"2019-10-18T15:11:55"`, time.Date(2019, 10, 18, 15, 11, 55, 0, time.UTC)},
		{"US short", `"1/1/1900"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"dashes", `"1-1-2019"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		// JSON lets a serializer escape any character; .NET's older
		// serializers write "/" as "\/". The date is the same.
		{"escaped slashes", `"1\/1\/1900"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"unicode escape", `"2019-01-01T00:00:00\u002B00:00"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"garbage", `"garbage"`, time.Time{}},
		{"empty", `""`, time.Time{}},
		{"null", `null`, time.Time{}},
		{"number", `1546300800`, time.Time{}},
		{"bool", `true`, time.Time{}},
		{"object", `{"date":"2019-01-01"}`, time.Time{}},
		{"array", `["2019-01-01"]`, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"id":"u1","username":"x","lastAccessed":` + tc.raw +
				`,"roles":[{"name":"admin","addedDate":` + tc.raw + `}],"verified":true}`
			u := utDecodeBoth(t, body)
			// One odd date never costs the rest of the user.
			assert.Equal(t, "u1", u.ID)
			assert.Equal(t, "x", u.Username)
			assert.True(t, u.Verified)
			require.Len(t, u.Roles, 1)
			assert.Equal(t, "admin", u.Roles[0].Name)

			assert.True(t, tc.want.Equal(u.LastAccessed.Time), "lastAccessed: want %v, got %v", tc.want, u.LastAccessed)
			assert.True(t, tc.want.Equal(u.Roles[0].AddedDate.Time), "addedDate: want %v, got %v", tc.want, u.Roles[0].AddedDate)
			assert.Equal(t, tc.want.IsZero(), u.LastAccessed.IsZero())
		})
	}
}

func TestUser_DecodingReplacesOldValues(t *testing.T) {
	t.Parallel()
	// Decoding into a reused User must not leave a stale date behind when
	// the new one cannot be read.
	var u meshydb.User
	require.NoError(t, json.Unmarshal([]byte(usrUserJSON), &u))
	require.NoError(t, json.Unmarshal([]byte(`{"lastAccessed":"garbage","roles":[{"name":"x","addedDate":"garbage"}]}`), &u))
	assert.True(t, u.LastAccessed.IsZero(), "%v", u.LastAccessed)
	require.Len(t, u.Roles, 1)
	assert.True(t, u.Roles[0].AddedDate.IsZero(), "%v", u.Roles[0].AddedDate)
}

func TestUser_InSearchPage(t *testing.T) {
	t.Parallel()
	s := newMockServer(t, usrApp)
	s.reply(http.StatusOK, `{"results":[
		{"id":"a","roles":["admin","test"],"lastAccessed":"1/1/1900"},
		{"id":"b","roles":null,"lastAccessed":"garbage","verified":null},
		{"id":"c","roles":[{"name":"admin","addedDate":"2019-01-01T00:00:00.0000000+00:00"}],"lastAccessed":null}
	],"page":1,"pageSize":25,"totalRecords":3}`)
	page, err := s.client(usrTenant).Users.Search(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, page.Results, 3)
	usrAssertUser(t, &meshydb.User{ID: "a", Roles: []meshydb.Role{{Name: "admin"}, {Name: "test"}},
		LastAccessed: utDate(1900, 1, 1)}, &page.Results[0])
	usrAssertUser(t, &meshydb.User{ID: "b"}, &page.Results[1])
	usrAssertUser(t, &meshydb.User{ID: "c", Roles: []meshydb.Role{{Name: "admin", AddedDate: utDate(2019, 1, 1)}}},
		&page.Results[2])
}

func TestUser_EscapedStrings(t *testing.T) {
	t.Parallel()
	u := utDecodeBoth(t, `{"username":"a\/b\u00fc","roles":["ad\/min",{"name":"te\"st","addedDate":"2019-01-01T00:00:00Z"}]}`)
	assert.Equal(t, "a/bü", u.Username)
	require.Len(t, u.Roles, 2)
	assert.Equal(t, "ad/min", u.Roles[0].Name)
	assert.Equal(t, `te"st`, u.Roles[1].Name)
	assert.True(t, u.Roles[1].AddedDate.Equal(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)), "%v", u.Roles[1].AddedDate)
}

func TestUser_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	want := usrWantUser()
	data, err := json.Marshal(want)
	require.NoError(t, err)
	var got meshydb.User
	require.NoError(t, json.Unmarshal(data, &got))
	usrAssertUser(t, want, &got)

	// A zero date encodes as null and decodes back to zero.
	data, err = json.Marshal(meshydb.User{ID: "u1"})
	require.NoError(t, err)
	assert.Contains(t, string(data), `"lastAccessed":null`)
	got = meshydb.User{}
	require.NoError(t, json.Unmarshal(data, &got))
	usrAssertUser(t, &meshydb.User{ID: "u1"}, &got)
}
