package lexical

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestMatchSeesEveryMatchAndKeepFilters(t *testing.T) {
	words := []string{"graph", "speech", "image", "reward"}
	var docs []Document
	for i := range 600 {
		docs = append(docs, Document{ID: fmt.Sprintf("2501.%05d", i), Title: words[i%4] + " " + words[(i/4)%4],
			Abstract: strings.Repeat(words[(i/16)%4]+" ", 1+i%3)})
	}
	ix := newTestIndex(t, docs)
	for _, q := range []string{"graph", "graph speech", `"graph speech"`, "graph sort:newest", "image -reward"} {
		want, err := ix.run(context.Background(), mustParse(t, q), Request{Limit: MaxResults}, true)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		// A page of 3: pruning skips most matches, Match must not.
		res, err := ix.Search(context.Background(), Request{Query: q, Limit: 3, Match: func(id []byte) { seen = append(seen, string(id)) }})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs := want.IDs()
		slices.Sort(wantIDs)
		slices.Sort(seen)
		if !slices.Equal(seen, wantIDs) || res.Total != len(seen) {
			t.Errorf("%q: Match saw %d papers, total %d, want the %d matches", q, len(seen), res.Total, len(wantIDs))
		}
		even := func(id []byte) bool { return (id[len(id)-1]-'0')%2 == 0 }
		kept, err := ix.Search(context.Background(), Request{Query: q, Limit: MaxResults, Keep: even})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, id := range wantIDs {
			if even([]byte(id)) {
				n++
			}
		}
		if kept.Total != n || len(kept.Hits) != n {
			t.Errorf("%q with Keep: %d results (%d hits), want %d", q, kept.Total, len(kept.Hits), n)
		}
	}
}

func mustParse(t *testing.T, q string) *Query {
	t.Helper()
	p, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
