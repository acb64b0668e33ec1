package lexical

import (
	"fmt"
	"testing"
	"time"
)

// DocValues reports each live paper asked for, in any order of ids, with
// its own date and votes; papers deleted or never indexed are left out.
func TestDocValuesReportsEachLivePaper(t *testing.T) {
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBuilder()
	for i := range 500 {
		if err := b.Add(Document{ID: fmt.Sprintf("2501.%05d", i), Title: "paper", Date: day.AddDate(0, 0, i%40), Upvotes: i % 7}); err != nil {
			t.Fatal(err)
		}
	}
	ix := b.Finish()
	// A later version in a new segment, and a deletion.
	if err := ix.Add(Document{ID: "2501.00010", Title: "paper", Date: day.AddDate(0, 2, 0), Upvotes: 99}); err != nil {
		t.Fatal(err)
	}
	ix.Delete("2501.00011")
	ids := []string{"2501.00300", "2501.00310", "2501.00002", "2501.00010", "2501.00011", "2501.99999", "2501.00499", "2501.00001"}
	got := map[int]string{}
	ix.DocValues(ids, func(i int, date time.Time, up int) {
		if _, dup := got[i]; dup {
			t.Errorf("%s reported twice", ids[i])
		}
		got[i] = fmt.Sprintf("%s %d", date.Format(time.DateOnly), up)
	})
	want := map[int]string{
		0: day.AddDate(0, 0, 300%40).Format(time.DateOnly) + " 6",
		1: day.AddDate(0, 0, 310%40).Format(time.DateOnly) + " 2",
		2: day.AddDate(0, 0, 2).Format(time.DateOnly) + " 2",
		3: day.AddDate(0, 2, 0).Format(time.DateOnly) + " 99",
		6: day.AddDate(0, 0, 499%40).Format(time.DateOnly) + " 2",
		7: day.AddDate(0, 0, 1).Format(time.DateOnly) + " 1",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DocValues = %v, want %v", got, want)
	}
}
