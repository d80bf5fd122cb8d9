package meshydb

import (
	"strings"
	"time"
)

// dateLayouts are the date shapes MeshyDB has been seen to send, most
// common first: RFC 3339 with any number of fraction digits (Go accepts the
// fraction when parsing even if the layout has none), .NET's zone-less
// round-trip form, and US-style short dates.
var dateLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
	"1/2/2006",
	"1-2-2006",
}

// parseDate reads a date in any shape in dateLayouts. Dates without a zone
// are taken as UTC. It reports false for text it cannot read, so that one
// odd date never fails a whole response.
func parseDate(text string) (time.Time, bool) {
	text = strings.TrimSpace(text)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
