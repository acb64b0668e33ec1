package arxiv

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // the announcement schedule runs on New York time on any host
)

// versionLayouts are the date forms found in arXiv version lists: RFC 1123
// with a one- or two-digit day.
var versionLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 MST",
	time.RFC1123,
	time.RFC1123Z,
}

// ParseVersionDate parses the "created" date of a version entry
// ("Mon, 2 Apr 2007 19:18:42 GMT").
func ParseVersionDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range versionLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad version date %q", s)
}

var newYork = mustLoadLocation("America/New_York")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded tzdata: cannot fail
	}
	return loc
}

// AnnouncementDate estimates the date of the listing that first shows a paper
// submitted at t. arXiv closes submissions at 14:00 New York time on weekdays
// and announces at 20:00 on Sunday to Thursday; a listing is dated by the UTC
// day on which it appears, so a paper submitted on Monday morning is listed on
// Tuesday, and one submitted on Friday afternoon on the following Tuesday.
// Holidays are ignored: the estimate is then a day early.
func AnnouncementDate(t time.Time) time.Time {
	local := t.In(newYork)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, newYork)
	if local.Hour() >= 14 {
		day = day.AddDate(0, 0, 1)
	}
	// Submissions made on Saturday and Sunday, or after Friday's cut-off,
	// join Monday's batch.
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	// The batch closing on day D (Mon-Thu) is announced that evening; Friday's
	// batch is announced on Sunday evening. Either way the listing carries the
	// date of the next UTC day after the evening's announcement.
	announce := day
	if day.Weekday() == time.Friday {
		announce = day.AddDate(0, 0, 2)
	}
	next := announce.AddDate(0, 0, 1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, time.UTC)
}

var categoryPattern = regexp.MustCompile(`^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$`)

// ValidCategory reports whether s looks like an arXiv category
// ("cs.CL", "hep-th", "physics.comp-ph", "cond-mat.mes-hall").
func ValidCategory(s string) bool { return len(s) <= 32 && categoryPattern.MatchString(s) }
