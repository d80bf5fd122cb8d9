package meshydb

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseDate(t *testing.T) {
	t.Parallel()

	minus5 := time.FixedZone("", -5*60*60)
	tests := []struct {
		name string
		text string
		want time.Time
	}{
		{"RFC 3339 with millis and Z", "1900-01-01T00:00:00.000Z", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{".NET seven fraction digits, +00:00", "2019-01-01T00:00:00.0000000+00:00", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{".NET seven fraction digits, -05:00", "2019-10-18T15:11:55.2413015-05:00", time.Date(2019, 10, 18, 15, 11, 55, 241301500, minus5)},
		{"US short date", "1/1/1900", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"US short date, dashes", "1-1-2019", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"zone-less round-trip form", "2019-01-01T00:00:00", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"zone-less with fraction", "2019-01-01T00:00:00.1234567", time.Date(2019, 1, 1, 0, 0, 0, 123456700, time.UTC)},
		{"RFC 3339 plain", "2019-01-01T10:20:30Z", time.Date(2019, 1, 1, 10, 20, 30, 0, time.UTC)},
		{"surrounding space", "  2019-01-01T10:20:30Z\n", time.Date(2019, 1, 1, 10, 20, 30, 0, time.UTC)},
		{"date only", "2019-03-04", time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC)},
		{"space separated", "2019-03-04 05:06:07", time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)},
		{"US month/day order", "12/31/2019", time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"US with 12-hour clock", "10/18/2019 3:11:55 PM", time.Date(2019, 10, 18, 15, 11, 55, 0, time.UTC)},
		{"US with 24-hour clock", "10/18/2019 15:11:55", time.Date(2019, 10, 18, 15, 11, 55, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseDate(tt.text)
			if !assert.True(t, ok, "parseDate(%q) should succeed", tt.text) {
				return
			}
			assert.True(t, tt.want.Equal(got), "parseDate(%q) = %s, want %s", tt.text, got, tt.want)
			assert.Equal(t, tt.want.Nanosecond(), got.Nanosecond(), "nanoseconds")
			_, wantOffset := tt.want.Zone()
			_, gotOffset := got.Zone()
			assert.Equal(t, wantOffset, gotOffset, "zone offset")
		})
	}
}

func TestParseDate_DotNetInstantIsExact(t *testing.T) {
	t.Parallel()

	got, ok := parseDate("2019-10-18T15:11:55.2413015-05:00")
	assert.True(t, ok)
	assert.Equal(t, time.Date(2019, 10, 18, 20, 11, 55, 241301500, time.UTC), got.UTC())
	assert.Equal(t, 241301500, got.Nanosecond())
	_, offset := got.Zone()
	assert.Equal(t, -5*60*60, offset)
}

func TestParseDate_ZonelessIsUTC(t *testing.T) {
	t.Parallel()

	for _, text := range []string{"2019-01-01T00:00:00", "1/1/1900", "1-1-2019", "2019-01-01"} {
		got, ok := parseDate(text)
		assert.True(t, ok, text)
		assert.Equal(t, time.UTC, got.Location(), "%q should be read as UTC", text)
	}
}

func TestParseDate_Unparseable(t *testing.T) {
	t.Parallel()

	for _, text := range []string{
		"",
		"   ",
		"garbage",
		"13/45/2019",
		"2019-13-01T00:00:00Z",
		"2019-02-30",
		"null",
		`"2019-01-01T00:00:00Z"`,
	} {
		got, ok := parseDate(text)
		assert.False(t, ok, "parseDate(%q) should fail", text)
		assert.True(t, got.IsZero(), "parseDate(%q) should give the zero time, got %s", text, got)
	}
}
