package paperdoc_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/paperdoc"
	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestOfIndexesTheListingDayAndAllUpvotes(t *testing.T) {
	listed := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	p := store.Paper{
		ID: "2401.00001", Title: "Graph transformers", Abstract: "We study graphs.",
		Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG", "stat.ML"},
		FirstVersionAt: listed.Add(-20 * time.Hour), ListedOn: listed,
		Comments:  "12 pages", // not indexed
		Community: store.Community{Upvotes: 5, Votes: 2},
	}
	want := lexical.Document{
		ID: "2401.00001", Title: "Graph transformers", Abstract: "We study graphs.",
		Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG", "stat.ML"},
		Date: listed, Upvotes: 7,
	}
	if diff := cmp.Diff(want, paperdoc.Of(&p)); diff != "" {
		t.Errorf("Of (-want +got):\n%s", diff)
	}
}
