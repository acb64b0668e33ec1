package ingest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestSetVersionsFoldsAnUnorderedList(t *testing.T) {
	p := store.Paper{ID: "2401.00001"}
	err := ingest.SetVersions(&p, []arxiv.VersionEntry{
		{Label: "v2", Date: "Wed, 10 Jan 2024 09:00:00 GMT"},
		{Label: "v1", Date: "Tue, 2 Jan 2024 15:30:00 GMT"},
		{Label: "v3", Date: "Mon, 5 Feb 2024 12:00:00 GMT"},
	})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	want := store.Paper{
		ID: "2401.00001",
		Versions: []store.Version{
			{Version: 2, Created: at("2024-01-10T09:00:00Z")},
			{Version: 1, Created: at("2024-01-02T15:30:00Z")},
			{Version: 3, Created: at("2024-02-05T12:00:00Z")},
		},
		Version:         3,
		LatestVersionAt: at("2024-02-05T12:00:00Z"),
		FirstVersionAt:  at("2024-01-02T15:30:00Z"),
		ListedOn:        arxiv.AnnouncementDate(at("2024-01-02T15:30:00Z")),
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("SetVersions (-want +got):\n%s", diff)
	}
}

func TestSetVersionsRejectsBadLists(t *testing.T) {
	for _, tc := range []struct {
		entries []arxiv.VersionEntry
		want    string
	}{
		{nil, "paper 2401.00001: no versions"},
		{[]arxiv.VersionEntry{{Label: "v0", Date: "Tue, 2 Jan 2024 15:30:00 GMT"}}, `paper 2401.00001: bad version "v0"`},
		{[]arxiv.VersionEntry{{Label: "v2", Date: "yesterday"}}, "paper 2401.00001 v2: bad version date"},
	} {
		p := store.Paper{ID: "2401.00001"}
		err := ingest.SetVersions(&p, tc.entries)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("SetVersions(%v) = %v; want %q", tc.entries, err, tc.want)
		}
	}
}
