package foryou

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// fieldTopics gives each paper its field as a topic, for topic follows.
type fieldTopics struct{}

func (fieldTopics) PaperTopics(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, id := range ids {
		out[id] = []string{"topic-" + fieldOf(id)}
	}
	return out, nil
}

// TestBatchIsRecommend ranks for readers of every kind (libraries of one
// and several fields, a collection, each feedback signal, follows of
// each kind with and without a library, no library at all, a collection
// they do not have) over periods of a day, a few days and the month, by
// RecommendBatch of one service and by Recommend of another over the
// same store, so that nothing one kept answers for the other: papers,
// order, scores and reasons must be the same, and the same again when
// the batch's kept kernels and papers answer.
func TestBatchIsRecommend(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st := e.st
	user := func(name string) int64 {
		u, err := st.CreateUser(ctx, store.User{Username: name, Email: name + "@example.org", Role: "user"})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	feedback := func(u int64, paper, signal string) {
		if err := e.svc.Feedback(ctx, u, paper, signal); err != nil {
			t.Fatal(err)
		}
	}
	follow := func(u int64, kind, value, label string) {
		if _, err := st.Follow(ctx, u, kind, value, label); err != nil {
			t.Fatal(err)
		}
	}
	// Upvotes on some twins (papers n and n+5 of a field share their
	// words), so that ties are broken by upvotes as well as by id.
	ps, err := st.PapersByID(ctx, []string{id("rl", 5), id("protein", 6), id("graph", 7), id("galaxy", 5)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		ps[i].Community = store.Community{Upvotes: 3 + i, DailyOn: ps[i].ListedOn}
	}
	if _, err := st.UpsertCommunity(ctx, ps); err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	add := func(u int64, collection string) {
		for _, span := range [][2]int{{1, 32}, {9, 10}, {3, 7}, {2, 4}} {
			for _, limit := range []int{3, 10, 0} {
				reqs = append(reqs, Request{UserID: u, Collection: collection, Limit: limit,
					Since: time.Date(2026, 3, span[0], 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, span[1], 0, 0, 0, 0, time.UTC)})
			}
		}
		reqs = append(reqs, Request{UserID: u, Collection: collection}) // the default period
	}
	// One field; two; a collection of one of them.
	e.save(t, e.ada, id("rl", 0), id("rl", 4))
	add(e.ada, "")
	e.save(t, e.bob, id("rl", 1), id("protein", 0), id("graph", 2))
	e.collect(t, e.bob, "graphs", id("graph", 2))
	add(e.bob, "")
	add(e.bob, "graphs")
	add(e.bob, "nothing") // not found, for both
	// Every feedback signal.
	cy := user("cy")
	e.save(t, cy, id("rl", 0), id("protein", 1))
	feedback(cy, id("protein", 3), store.SignalFewerLikeThis)
	feedback(cy, id("rl", 5), store.SignalNotInterested)
	feedback(cy, id("galaxy", 2), store.SignalMoreLikeThis)
	add(cy, "")
	// Follows of each kind beside a library, and without one.
	di := user("di")
	e.save(t, di, id("galaxy", 1))
	follow(di, store.FollowAuthor, "jan kautz", "Jan Kautz")
	follow(di, store.FollowCategory, "cs", "cs")
	follow(di, store.FollowTopic, "topic-protein", "proteins")
	add(di, "")
	ed := user("ed")
	follow(ed, store.FollowCategory, "q-bio", "q-bio")
	follow(ed, store.FollowTopic, "topic-graph", "graphs")
	add(ed, "")
	// Nothing to rank by.
	add(user("fy"), "")

	one := &Service{Store: st, Topics: fieldTopics{}, Now: func() time.Time { return now }}
	batch := &Service{Store: st, Topics: fieldTopics{}, Now: func() time.Time { return now }}
	var want []Result
	var wantErr []error
	for _, req := range reqs {
		res, err := one.Recommend(ctx, req)
		want, wantErr = append(want, res), append(wantErr, err)
	}
	run := batch.NewRun()
	before := topRankings.Load()
	for pass := range 2 {
		got, errs := run.Recommend(ctx, reqs)
		items := 0
		for i, req := range reqs {
			what := fmt.Sprintf("pass %d, user %d, collection %q, %s..%s, limit %d", pass, req.UserID, req.Collection,
				req.Since.Format(time.DateOnly), req.Until.Format(time.DateOnly), req.Limit)
			if (errs[i] == nil) != (wantErr[i] == nil) {
				t.Fatalf("%s: batch error %v, Recommend's %v", what, errs[i], wantErr[i])
			}
			if diff := cmp.Diff(want[i], got[i]); diff != "" {
				t.Fatalf("%s: the batch ranks otherwise (-Recommend +batch):\n%s", what, diff)
			}
			items += len(got[i].Items)
		}
		if items < len(reqs) {
			t.Fatalf("%d items for %d requests: the comparison says little", items, len(reqs))
		}
	}
	// The library models' rankings went through the kernel, not rank
	// (which keeps them, so the second pass reads them back): ed and fy
	// have no library, bob's "nothing" is not found.
	if n, want := topRankings.Load()-before, int64(2*13*5); n != want {
		t.Errorf("%d rankings through the kernel, want %d", n, want)
	}
	var kinds []string
	for _, res := range want {
		for _, it := range res.Items {
			switch {
			case it.Reason.Author != "":
				kinds = append(kinds, "author")
			case it.Reason.Topic != "":
				kinds = append(kinds, "topic")
			case it.Reason.Category != "":
				kinds = append(kinds, "category")
			case it.Reason.Collection != nil:
				kinds = append(kinds, "collection")
			}
		}
	}
	upvoted := false
	for _, res := range want {
		for _, it := range res.Items {
			upvoted = upvoted || it.Paper.Community.TotalUpvotes() > 0
		}
	}
	if !upvoted {
		t.Error("no upvoted paper among the rankings compared")
	}
	for _, k := range []string{"author", "topic", "category", "collection"} {
		if !strings.Contains(strings.Join(kinds, " "), k) {
			t.Errorf("no reason of kind %s among the rankings compared", k)
		}
	}
}
