package web

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// countingPapers counts the papers read from the store by id.
type countingPapers struct {
	Papers
	read atomic.Int64
}

func (c *countingPapers) PapersByID(ctx context.Context, ids []string) ([]store.Paper, error) {
	c.read.Add(int64(len(ids)))
	return c.Papers.PapersByID(ctx, ids)
}

// TestPaperCacheFollowsChanges: papers shown by search are read from the
// store once, and a change to any paper is seen by the very next search,
// even one the response cache has never seen.
func TestPaperCacheFollowsChanges(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			var counting *countingPapers
			srv, st, _ := newFixtureServer(t, dialect, func(o *Options) {
				o.Cache.Freshness = -1
				counting = &countingPapers{Papers: o.Papers}
				o.Papers = counting
			})
			search := func(n string) string {
				t.Helper()
				res := fetch(t, srv.URL+"/api/papers/search?q=id:2506.00004&n="+n)
				if res.status != 200 || !strings.Contains(res.body, `"id":"2506.00004"`) {
					t.Fatalf("search %s: %d %s", n, res.status, res.body)
				}
				return res.body
			}
			home := func() string {
				t.Helper()
				res := fetch(t, srv.URL+"/?date=2025-06-04")
				if res.status != 200 {
					t.Fatalf("daily page: %d", res.status)
				}
				return res.body
			}
			if !strings.Contains(home(), "★ 1,234") {
				t.Fatal("fixture: the daily page should show 2506.00001's stars")
			}
			first := search("1")
			read := counting.read.Load()
			if second := search("2"); second != first || counting.read.Load() != read {
				t.Errorf("a second search for the same paper read %d papers again", counting.read.Load()-read)
			}
			community := fixtureCommunity()
			community[1].Community.Upvotes = 100
			community[0].Community.GitHubStars = 4321
			if _, err := st.UpsertCommunity(context.Background(), community); err != nil {
				t.Fatal(err)
			}
			if after := search("3"); !strings.Contains(after, `"upvotes":100`) {
				t.Errorf("the search after a change shows the old paper: %s", after)
			}
			// Cards' rendered bodies are cached with their papers, and follow.
			if after := home(); !strings.Contains(after, "★ 4,321") {
				t.Error("the daily page after a change shows a card's old stars")
			}
		})
	}
}

func TestPaperCacheIsBounded(t *testing.T) {
	c := newPaperCache(2)
	c.put([]store.Paper{{ID: "a"}, {ID: "b"}}, 5)
	c.get([]string{"a"}, 5) // a is now the most recent
	c.put([]store.Paper{{ID: "c"}}, 5)
	found, missing := c.get([]string{"a", "b", "c"}, 5)
	if len(found) != 2 || len(missing) != 1 || missing[0] != "b" {
		t.Errorf("found %v, missing %v; want b evicted", found, missing)
	}
	if found, _ := c.get([]string{"a"}, 6); len(found) != 0 {
		t.Error("a paper read at version 5 served a request at version 6")
	}
}

// TestPaperCacheUnderConcurrentUse: readers never get an entry older than
// the version they ask at, while writers keep replacing entries (run with
// -race).
func TestPaperCacheUnderConcurrentUse(t *testing.T) {
	c := newPaperCache(50)
	var version atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				seq := version.Add(1)
				id := fmt.Sprintf("p%d", (i*7+w)%80)
				c.put([]store.Paper{{ID: id, Title: fmt.Sprint(seq)}}, seq)
				if _, _, err := c.fragment(id, cardBodyFragment, seq, func(p *store.Paper) (template.HTML, error) { return template.HTML(p.Title), nil }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				seq := version.Load()
				found, _ := c.get([]string{fmt.Sprintf("p%d", i%80)}, seq)
				for _, p := range found {
					if got, _ := strconv.ParseInt(p.Title, 10, 64); got < seq {
						t.Errorf("paper read at version %d served at version %d", got, seq)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := c.lru.Len(); n > 50 || n != len(c.byID) {
		t.Errorf("%d entries, %d ids, want at most 50 of each", n, len(c.byID))
	}
}
