package meshydb_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshydb/meshydb-go"
)

// tsAssertSame checks that got is the instant want, with want's nanoseconds
// and zone offset.
func tsAssertSame(t *testing.T, want, got time.Time, msgAndArgs ...any) {
	t.Helper()
	assert.True(t, want.Equal(got), "got %s, want %s %v", got, want, msgAndArgs)
	assert.Equal(t, want.Nanosecond(), got.Nanosecond(), msgAndArgs...)
	_, wantOffset := want.Zone()
	_, gotOffset := got.Zone()
	assert.Equal(t, wantOffset, gotOffset, msgAndArgs...)
}

func TestTimestamp_UnmarshalDateShapes(t *testing.T) {
	t.Parallel()

	minus5 := time.FixedZone("", -5*60*60)
	tests := []struct {
		name string
		json string
		want time.Time
	}{
		// Every shape in section 6 of the API reference.
		{"RFC 3339 with millis and Z", `"1900-01-01T00:00:00.000Z"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{".NET seven fraction digits, +00:00", `"2019-01-01T00:00:00.0000000+00:00"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{".NET seven fraction digits, -05:00", `"2019-10-18T15:11:55.2413015-05:00"`, time.Date(2019, 10, 18, 15, 11, 55, 241301500, minus5)},
		{"US short date", `"1/1/1900"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"US short date with dashes", `"1-1-2019"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		// Other shapes the SDK reads.
		{"four fraction digits", `"2019-01-01T00:00:00.0000+00:00"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"nanoseconds", `"2019-01-01T00:00:00.000000001Z"`, time.Date(2019, 1, 1, 0, 0, 0, 1, time.UTC)},
		{"zone-less .NET round-trip form", `"2019-01-01T10:20:30.1234567"`, time.Date(2019, 1, 1, 10, 20, 30, 123456700, time.UTC)},
		{"date only", `"2019-03-04"`, time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC)},
		{"US with 12-hour clock", `"10/18/2019 3:11:55 PM"`, time.Date(2019, 10, 18, 15, 11, 55, 0, time.UTC)},
		// Escaped JSON strings mean the same text.
		{`escaped slashes "1\/1\/1900"`, `"1\/1\/1900"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`escaped slashes "12\/31\/2019"`, `"12\/31\/2019"`, time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)},
		{`unicode escapes`, `"\u0032019-01-01T00:00:00\u002b00:00"`, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`escaped white space is trimmed`, `"\t1\/1\/1900\n"`, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		// JSON white space around the token.
		{"space around the token", " \n\t\"1900-01-01T00:00:00.000Z\"\r\n ", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			var ts meshydb.Timestamp
			require.NoError(t, ts.UnmarshalJSON([]byte(tt.json)))
			tsAssertSame(t, tt.want, ts.Time, tt.json)

			// The same through encoding/json, inside a struct and a pointer.
			var doc struct {
				At  meshydb.Timestamp  `json:"at"`
				Ptr *meshydb.Timestamp `json:"ptr"`
			}
			require.NoError(t, json.Unmarshal([]byte(`{"at":`+tt.json+`,"ptr":`+tt.json+`}`), &doc))
			tsAssertSame(t, tt.want, doc.At.Time, tt.json)
			require.NotNil(t, doc.Ptr)
			tsAssertSame(t, tt.want, doc.Ptr.Time, tt.json)
		})
	}
}

// TestTimestamp_UnmarshalUnreadableIsZero checks that null and anything that
// is not a readable date string decode to the zero time without an error,
// replacing whatever the Timestamp held before.
func TestTimestamp_UnmarshalUnreadableIsZero(t *testing.T) {
	t.Parallel()

	valid := []string{ // valid JSON: also tried through encoding/json
		`null`,
		`0`,
		`1546300800`,
		`-1`,
		`1.5e9`,
		`true`,
		`false`,
		`{}`,
		`{"date":"2019-01-01T00:00:00Z"}`,
		`[]`,
		`["2019-01-01T00:00:00Z"]`,
		`""`,
		`"   "`,
		`"garbage"`,
		`"null"`,
		`"13/45/2019"`,
		`"2019-02-30"`,
		`"2019-13-01T00:00:00Z"`,
		`"2019-01-01T00:00:00Z trailing"`,
		`"\"2019-01-01T00:00:00Z\""`,
		`"２０１９-01-01"`,
		`"2019\u00a0-01-01"`,
	}
	invalid := []string{ // not JSON at all: only UnmarshalJSON sees them
		``,
		` `,
		`"`,
		`"1/1/1900`,
		`1/1/1900"`,
		`'1/1/1900'`,
		`1/1/1900`,
		`"1\q1\q1900"`,
		`"1/1/1900"x`,
		"\"1/1/1900\x00\"",
		"\xff\xfe",
		`nul`,
	}
	for _, data := range append(append([]string{}, valid...), invalid...) {
		ts := meshydb.Timestamp{Time: time.Date(2020, 2, 2, 2, 2, 2, 2, time.UTC)}
		assert.NoError(t, ts.UnmarshalJSON([]byte(data)), "UnmarshalJSON(%q)", data)
		assert.True(t, ts.IsZero(), "UnmarshalJSON(%q) = %s, want the zero time", data, ts.Time)
	}
	for _, data := range valid {
		var doc struct {
			Name string            `json:"name"`
			At   meshydb.Timestamp `json:"at"`
		}
		doc.At = meshydb.Timestamp{Time: time.Date(2020, 2, 2, 2, 2, 2, 2, time.UTC)}
		err := json.Unmarshal([]byte(`{"at":`+data+`,"name":"kept"}`), &doc)
		assert.NoError(t, err, "one odd date must not fail the document: %s", data)
		assert.True(t, doc.At.IsZero(), "%s decoded to %s", data, doc.At.Time)
		assert.Equal(t, "kept", doc.Name, "the rest of the document is decoded: %s", data)
	}
}

func TestTimestamp_Marshal(t *testing.T) {
	t.Parallel()

	minus5 := time.FixedZone("", -5*60*60)
	plus0530 := time.FixedZone("IST", 5*60*60+30*60)
	tests := []struct {
		name string
		in   meshydb.Timestamp
		want string
	}{
		{"zero is null", meshydb.Timestamp{}, `null`},
		{"zero in another zone is null", meshydb.Timestamp{Time: time.Time{}.In(minus5)}, `null`},
		{"UTC without fraction", meshydb.Timestamp{Time: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)}, `"2019-01-01T00:00:00Z"`},
		{"UTC 1900", meshydb.Timestamp{Time: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, `"1900-01-01T00:00:00Z"`},
		{"offset and 100 ns", meshydb.Timestamp{Time: time.Date(2019, 10, 18, 15, 11, 55, 241301500, minus5)}, `"2019-10-18T15:11:55.2413015-05:00"`},
		{"one nanosecond", meshydb.Timestamp{Time: time.Date(2019, 1, 1, 0, 0, 0, 1, time.UTC)}, `"2019-01-01T00:00:00.000000001Z"`},
		{"millis", meshydb.Timestamp{Time: time.Date(2019, 1, 1, 0, 0, 0, 5e8, time.UTC)}, `"2019-01-01T00:00:00.5Z"`},
		{"half-hour offset", meshydb.Timestamp{Time: time.Date(2019, 6, 1, 12, 0, 0, 0, plus0530)}, `"2019-06-01T12:00:00+05:30"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			got, err := tt.in.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))

			// encoding/json uses it for values and pointers alike.
			doc, err := json.Marshal(struct {
				At  meshydb.Timestamp  `json:"at"`
				Ptr *meshydb.Timestamp `json:"ptr"`
			}{tt.in, &tt.in})
			require.NoError(t, err)
			assert.JSONEq(t, `{"at":`+tt.want+`,"ptr":`+tt.want+`}`, string(doc))
		})
	}
}

func TestTimestamp_MarshalIsRFC3339Nano(t *testing.T) {
	t.Parallel()

	now := time.Now() // with a monotonic reading and a local zone
	got, err := meshydb.Timestamp{Time: now}.MarshalJSON()
	require.NoError(t, err)
	var text string
	require.NoError(t, json.Unmarshal(got, &text))
	assert.Equal(t, now.Format(time.RFC3339Nano), text)
	back, err := time.Parse(time.RFC3339Nano, text)
	require.NoError(t, err)
	assert.True(t, now.Equal(back), "%s does not read back as %s", text, now)
}

func TestTimestamp_RoundTripThroughStruct(t *testing.T) {
	t.Parallel()

	type record struct {
		Name    string             `json:"name"`
		Created meshydb.Timestamp  `json:"created"`
		Updated meshydb.Timestamp  `json:"updated"`
		Deleted *meshydb.Timestamp `json:"deleted,omitempty"`
		Times   []meshydb.Timestamp
	}
	minus5 := time.FixedZone("", -5*60*60)
	in := record{
		Name:    "bob",
		Created: meshydb.Timestamp{Time: time.Date(2019, 10, 18, 15, 11, 55, 241301500, minus5)},
		Updated: meshydb.Timestamp{}, // zero: null on the wire, zero again after
		Deleted: &meshydb.Timestamp{Time: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		Times: []meshydb.Timestamp{
			{Time: time.Date(2019, 1, 1, 0, 0, 0, 1, time.UTC)},
			{},
		},
	}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"name": "bob",
		"created": "2019-10-18T15:11:55.2413015-05:00",
		"updated": null,
		"deleted": "1900-01-01T00:00:00Z",
		"Times": ["2019-01-01T00:00:00.000000001Z", null]
	}`, string(data))

	var out record
	require.NoError(t, json.Unmarshal(data, &out))
	assert.Equal(t, in.Name, out.Name)
	tsAssertSame(t, in.Created.Time, out.Created.Time, "created")
	assert.True(t, out.Updated.IsZero(), "updated")
	require.NotNil(t, out.Deleted)
	tsAssertSame(t, in.Deleted.Time, out.Deleted.Time, "deleted")
	require.Len(t, out.Times, 2)
	tsAssertSame(t, in.Times[0].Time, out.Times[0].Time, "times[0]")
	assert.True(t, out.Times[1].IsZero(), "times[1]")

	// A second round trip gives the same bytes.
	again, err := json.Marshal(out)
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again))
}

// TestTimestamp_WireShapesRoundTrip decodes each date shape of the API
// reference, encodes it, and decodes the result: the instant survives.
func TestTimestamp_WireShapesRoundTrip(t *testing.T) {
	t.Parallel()

	for _, text := range []string{
		`"1900-01-01T00:00:00.000Z"`,
		`"2019-01-01T00:00:00.0000000+00:00"`,
		`"2019-10-18T15:11:55.2413015-05:00"`,
		`"1/1/1900"`,
		`"1-1-2019"`,
		`"1\/1\/1900"`,
	} {
		var first meshydb.Timestamp
		require.NoError(t, json.Unmarshal([]byte(text), &first), text)
		require.False(t, first.IsZero(), text)
		data, err := json.Marshal(first)
		require.NoError(t, err, text)
		var second meshydb.Timestamp
		require.NoError(t, json.Unmarshal(data, &second), text)
		tsAssertSame(t, first.Time, second.Time, text)
	}
}
