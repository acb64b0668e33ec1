package foryou

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/recommend"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// The hand-made corpus: four fields whose papers share their field's
// words and no other's, so the right recommendations are known.
var fields = map[string]struct {
	words string
	cat   string
}{
	"rl":      {"reinforcement learning policy gradient reward shaping agent exploration", "cs.LG"},
	"protein": {"protein folding structure prediction amino acid residue contact", "q-bio.BM"},
	"graph":   {"graph neural network message passing node embedding", "cs.SI"},
	"galaxy":  {"galaxy cosmology dark matter halo redshift survey", "astro-ph.CO"},
}

var fieldOrder = []string{"rl", "protein", "graph", "galaxy"}

// now is the tests' clock: the corpus's papers are listed in March 2026.
var now = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)

// id is the paper of a field: 2603.0FNNN, F the field's place.
func id(field string, n int) string {
	for i, f := range fieldOrder {
		if f == field {
			return fmt.Sprintf("2603.%d%04d", i+1, n)
		}
	}
	panic(field)
}

type env struct {
	st  *store.Store
	svc *Service
	ada int64
	bob int64
}

// newEnv stores 8 papers of each field listed on 2026-03-(n+2), the
// first author of each rl paper "Rl Author n" and of rl paper 7 "Jan
// Kautz", and two readers.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite, store.Options{Now: func() time.Time { return now }})
	var papers []store.Paper
	for _, f := range fieldOrder {
		for n := range 8 {
			author := fmt.Sprintf("%s Author %d", strings.ToUpper(f[:1])+f[1:], n)
			if f == "rl" && n == 7 {
				author = "Jan Kautz"
			}
			papers = append(papers, store.Paper{
				ID: id(f, n), Version: 1,
				Title:      fmt.Sprintf("%s study number %d", strings.Fields(fields[f].words)[0], n),
				Abstract:   fmt.Sprintf("We study %s. Variant %d of %s.", fields[f].words, n, strings.Fields(fields[f].words)[n%5]),
				Authors:    []string{author, "Common Coauthor"},
				Categories: []string{fields[f].cat},
				ListedOn:   time.Date(2026, 3, 2+n, 0, 0, 0, 0, time.UTC),
			})
		}
	}
	if _, err := st.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, svc: &Service{Store: st, Now: func() time.Time { return now }}}
	for _, name := range []string{"ada", "bob"} {
		u, err := st.CreateUser(ctx, store.User{Username: name, Email: name + "@example.org", Role: "user"})
		if err != nil {
			t.Fatal(err)
		}
		if name == "ada" {
			e.ada = u.ID
		} else {
			e.bob = u.ID
		}
	}
	return e
}

func (e *env) save(t *testing.T, user int64, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := e.st.SavePaper(context.Background(), user, id); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) collect(t *testing.T, user int64, slug string, ids ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := e.st.CreateCollection(ctx, store.Collection{UserID: user, Slug: slug, Name: slug, Private: true}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddToCollection(ctx, c.ID, ids, 100); err != nil {
		t.Fatal(err)
	}
}

func (e *env) recommend(t *testing.T, req Request) Result {
	t.Helper()
	if req.Since.IsZero() {
		req.Since = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	res, err := e.svc.Recommend(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ids(res Result) []string {
	out := []string{}
	for _, it := range res.Items {
		out = append(out, it.Paper.ID)
	}
	return out
}

func rankOf(res Result, paperID string) int {
	for i, it := range res.Items {
		if it.Paper.ID == paperID {
			return i
		}
	}
	return -1
}

func fieldOf(paperID string) string {
	return fieldOrder[paperID[5]-'1']
}

func TestRecommendsPapersLikeTheLibraryNamingThem(t *testing.T) {
	e := newEnv(t)
	e.save(t, e.ada, id("rl", 0), id("rl", 1))
	e.collect(t, e.ada, "rl", id("rl", 0), id("rl", 1))
	res := e.recommend(t, Request{UserID: e.ada, Limit: 6})
	if len(res.Items) != 6 {
		t.Fatalf("got %d items, want 6: %v", len(res.Items), ids(res))
	}
	for _, it := range res.Items {
		if f := fieldOf(it.Paper.ID); f != "rl" {
			t.Errorf("%s (%s) recommended from an rl library: %v", it.Paper.ID, f, ids(res))
		}
		if it.Paper.ID == id("rl", 0) || it.Paper.ID == id("rl", 1) {
			t.Errorf("a saved paper is recommended: %s", it.Paper.ID)
		}
		like := it.Reason.Like
		if len(like) != 2 || !strings.HasPrefix(like[0].ID, "2603.1") || it.Reason.Collection == nil || it.Reason.Collection.ID != "rl" {
			t.Errorf("%s: reason %+v, want the two rl library papers in collection rl", it.Paper.ID, it.Reason)
		}
		text := it.Reason.Text()
		if !strings.HasPrefix(text, "like “reinforcement study number") || !strings.HasSuffix(text, " in your collection rl") {
			t.Errorf("%s: reason text %q", it.Paper.ID, text)
		}
	}
}

func TestRankingIsDeterministic(t *testing.T) {
	e := newEnv(t)
	e.save(t, e.ada, id("rl", 0), id("protein", 0), id("graph", 3))
	first := e.recommend(t, Request{UserID: e.ada})
	again := e.recommend(t, Request{UserID: e.ada})
	// A new service, built from scratch over the same store.
	fresh := &Service{Store: e.st, Now: e.svc.Now}
	other, err := fresh.Recommend(context.Background(), Request{UserID: e.ada, Since: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) == 0 {
		t.Fatal("no recommendations")
	}
	for _, r := range []Result{again, other} {
		if diff := cmp.Diff(ids(first), ids(r)); diff != "" {
			t.Errorf("a second ranking differs (-first +second):\n%s", diff)
		}
		for i := range r.Items {
			if r.Items[i].Reason.Text() != first.Items[i].Reason.Text() {
				t.Errorf("item %d: reason %q, then %q", i, first.Items[i].Reason.Text(), r.Items[i].Reason.Text())
			}
		}
	}
}

func TestModelsAreTrainedOnChangeNotOnEveryRequest(t *testing.T) {
	e := newEnv(t)
	e.save(t, e.ada, id("rl", 0))
	e.recommend(t, Request{UserID: e.ada})
	before := trainings.Load()
	e.recommend(t, Request{UserID: e.ada})
	e.recommend(t, Request{UserID: e.ada, Limit: 3})
	if n := trainings.Load() - before; n != 0 {
		t.Errorf("%d trainings for requests with nothing changed, want 0", n)
	}
	e.save(t, e.ada, id("rl", 2))
	e.recommend(t, Request{UserID: e.ada})
	if n := trainings.Load() - before; n != 1 {
		t.Errorf("%d trainings after a save, want 1", n)
	}
}

func TestNotInterestedRemovesThePaper(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.save(t, e.ada, id("rl", 0))
	top := e.recommend(t, Request{UserID: e.ada}).Items[0].Paper.ID
	if err := e.svc.Feedback(ctx, e.ada, top, store.SignalNotInterested); err != nil {
		t.Fatal(err)
	}
	if r := rankOf(e.recommend(t, Request{UserID: e.ada}), top); r >= 0 {
		t.Errorf("%s is still recommended (at %d) after not_interested", top, r)
	}
	if err := e.svc.Feedback(ctx, e.ada, top, "undo"); err != nil {
		t.Fatal(err)
	}
	if r := rankOf(e.recommend(t, Request{UserID: e.ada}), top); r != 0 {
		t.Errorf("after undo %s is at %d, want 0", top, r)
	}
}

func TestFewerLikeThisLowersItsNeighbours(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A library of two fields: their papers come first, mixed.
	e.save(t, e.ada, id("rl", 0), id("protein", 0))
	before := e.recommend(t, Request{UserID: e.ada, Limit: 14})
	if f := fieldOf(before.Items[0].Paper.ID) + fieldOf(before.Items[1].Paper.ID); f != "rlprotein" && f != "proteinrl" {
		t.Fatalf("before feedback the first two are not one of each field: %v", ids(before))
	}
	if err := e.svc.Feedback(ctx, e.ada, id("protein", 3), store.SignalFewerLikeThis); err != nil {
		t.Fatal(err)
	}
	after := e.recommend(t, Request{UserID: e.ada, Limit: 14})
	if rankOf(after, id("protein", 3)) >= 0 {
		t.Errorf("the paper marked fewer_like_this is still recommended")
	}
	scores := map[string]float64{}
	for _, it := range before.Items {
		scores[it.Paper.ID] = it.Score
	}
	lastRL := -1
	for i, it := range after.Items {
		if fieldOf(it.Paper.ID) == "rl" {
			lastRL = i
		}
	}
	for i, it := range after.Items {
		if fieldOf(it.Paper.ID) != "protein" {
			continue
		}
		if it.Score >= scores[it.Paper.ID] {
			t.Errorf("%s: score %g after fewer_like_this, %g before", it.Paper.ID, it.Score, scores[it.Paper.ID])
		}
		// Protein 5 is protein 0's twin (same words), which the library
		// holds: it may stay high. The others fall below every rl paper.
		if it.Paper.ID != id("protein", 5) && i < lastRL {
			t.Errorf("%s at %d, before the last rl paper at %d: %v", it.Paper.ID, i, lastRL, ids(after))
		}
	}
}

func TestMoreLikeThisCountsWithTheLibrary(t *testing.T) {
	e := newEnv(t)
	e.save(t, e.ada, id("rl", 0))
	if err := e.svc.Feedback(context.Background(), e.ada, id("galaxy", 2), store.SignalMoreLikeThis); err != nil {
		t.Fatal(err)
	}
	res := e.recommend(t, Request{UserID: e.ada, Limit: 14})
	for i, it := range res.Items {
		if f := fieldOf(it.Paper.ID); f != "rl" && f != "galaxy" {
			t.Errorf("item %d is %s (%s)", i, it.Paper.ID, f)
		}
	}
}

func TestFollowsLiftPapersAndSayWhy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.save(t, e.ada, id("protein", 0))
	e.recommend(t, Request{UserID: e.ada}) // a ranking kept from before the follows must not answer
	if _, err := e.st.Follow(ctx, e.ada, store.FollowAuthor, "jan kautz", "Jan Kautz"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Follow(ctx, e.ada, store.FollowCategory, "astro-ph", "astro-ph"); err != nil {
		t.Fatal(err)
	}
	res := e.recommend(t, Request{UserID: e.ada})
	if len(res.Items) == 0 || res.Items[0].Paper.ID != id("rl", 7) {
		t.Fatalf("the followed author's paper is not first: %v", ids(res))
	}
	if got := res.Items[0].Reason.Text(); got != "by Jan Kautz, whom you follow" {
		t.Errorf("reason %q", got)
	}
	for _, it := range res.Items {
		if fieldOf(it.Paper.ID) == "galaxy" {
			if got := it.Reason.Text(); got != "in astro-ph, which you follow" {
				t.Errorf("%s: reason %q", it.Paper.ID, got)
			}
		}
	}
	// A reader with follows and no library gets them alone.
	if _, err := e.st.Follow(ctx, e.bob, store.FollowCategory, "cs.SI", "cs.SI"); err != nil {
		t.Fatal(err)
	}
	bob := e.recommend(t, Request{UserID: e.bob})
	if bob.Empty || len(bob.Items) != 8 {
		t.Fatalf("bob's cold start: empty %v, %v", bob.Empty, ids(bob))
	}
	for _, it := range bob.Items {
		if fieldOf(it.Paper.ID) != "graph" {
			t.Errorf("bob gets %s", it.Paper.ID)
		}
	}
}

func TestPeriodsAndCollections(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.save(t, e.ada, id("rl", 0), id("galaxy", 0))
	e.collect(t, e.ada, "sky", id("galaxy", 0))
	since, until, err := e.svc.Period(ctx, PeriodToday, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// The latest day with papers is 2026-03-09 (n = 7).
	if want := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC); !since.Equal(want) || !until.Equal(want.AddDate(0, 0, 1)) {
		t.Errorf("today = %v..%v", since, until)
	}
	res := e.recommend(t, Request{UserID: e.ada, Since: since, Until: until})
	for _, it := range res.Items {
		if !it.Paper.ListedOn.Equal(since) {
			t.Errorf("%s listed %v, outside today", it.Paper.ID, it.Paper.ListedOn)
		}
	}
	sky := e.recommend(t, Request{UserID: e.ada, Collection: "sky", Limit: 7})
	for _, it := range sky.Items {
		if fieldOf(it.Paper.ID) != "galaxy" || it.Reason.Collection == nil || it.Reason.Collection.ID != "sky" {
			t.Errorf("more like sky: %s, reason %+v", it.Paper.ID, it.Reason)
		}
	}
	if _, err := e.svc.Recommend(ctx, Request{UserID: e.bob, Collection: "sky"}); problem.KindOf(err) != problem.NotFound {
		t.Errorf("bob asking for ada's collection: %v, want NotFound", err)
	}
}

func TestReadersAreKeptApart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.save(t, e.ada, id("rl", 0))
	if err := e.svc.Feedback(ctx, e.bob, id("rl", 3), store.SignalNotInterested); err != nil {
		t.Fatal(err)
	}
	// Bob's library is empty: ada's does not speak for him.
	if bob := e.recommend(t, Request{UserID: e.bob}); !bob.Empty || len(bob.Items) != 0 {
		t.Errorf("bob, with an empty library, gets %v", ids(bob))
	}
	// Bob's feedback does not change ada's ranking.
	if r := rankOf(e.recommend(t, Request{UserID: e.ada}), id("rl", 3)); r < 0 {
		t.Error("bob's not_interested removed a paper from ada's recommendations")
	}
	token, err := e.svc.NewFeedToken(ctx, e.ada)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.svc.FeedUser(ctx, token)
	if err != nil || u.ID != e.ada {
		t.Fatalf("FeedUser = %v, %v", u.ID, err)
	}
	if _, err := e.svc.FeedUser(ctx, token+"x"); problem.KindOf(err) != problem.NotFound {
		t.Errorf("a wrong token: %v", err)
	}
	if err := e.svc.RevokeFeedToken(ctx, e.ada); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FeedUser(ctx, token); problem.KindOf(err) != problem.NotFound {
		t.Errorf("a revoked token: %v", err)
	}
}

type fixedRecommender []store.Paper

func (f fixedRecommender) Recommend(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, error) {
	return f, nil
}

func TestDigestUsesTheLibraryElseTheFallback(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.save(t, e.ada, id("graph", 0))
	d := e.svc.Digest(fixedRecommender{{ID: "fallback"}})
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	got, err := d.Recommend(ctx, e.ada, from, to, 5)
	if err != nil || len(got) != 5 {
		t.Fatalf("ada's digest recommendations: %d, %v", len(got), err)
	}
	for _, p := range got {
		if fieldOf(p.ID) != "graph" {
			t.Errorf("ada's digest recommends %s", p.ID)
		}
	}
	got, err = d.Recommend(ctx, e.bob, from, to, 5)
	if err != nil || len(got) != 1 || got[0].ID != "fallback" {
		t.Errorf("bob's digest recommendations: %v, %v", got, err)
	}
}

// TestShortSpansRankAsTheWholeWindowDoes asks for a short span twice, by
// two readers with the same library and feedback: the first is scored in
// the features' whole window, the second in a window of the span alone
// (built for a span asked for again, as a digest's day is), and they must
// agree in papers, scores and reasons.
func TestShortSpansRankAsTheWholeWindowDoes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, u := range []int64{e.ada, e.bob} {
		e.save(t, u, id("rl", 0), id("graph", 1))
		if err := e.svc.Feedback(ctx, u, id("rl", 3), store.SignalNotInterested); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Feedback(ctx, u, id("graph", 2), store.SignalFewerLikeThis); err != nil {
			t.Fatal(err)
		}
	}
	req := Request{Since: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)}
	req.UserID = e.ada
	whole := e.recommend(t, req)
	req.UserID = e.bob
	span := e.recommend(t, req)
	if n := len(e.svc.feats.Load().spans); n != 1 {
		t.Fatalf("%d span windows, want 1", n)
	}
	if len(whole.Items) == 0 || rankOf(whole, id("rl", 3)) >= 0 {
		t.Fatalf("ranking %v: want some papers and not %s", ids(whole), id("rl", 3))
	}
	if diff := cmp.Diff(whole.Items, span.Items); diff != "" {
		t.Errorf("the span's window ranks otherwise (-whole +span):\n%s", diff)
	}
}

// TestEmbeddingsLiftTheirNeighbours checks that a model whose options
// read the embeddings gets the vectors given, and that the default's does
// not: papers of another field that share no word with an rl library come
// after the rl papers either way, the galaxy ones first when their
// embeddings point where the library's do and the model reads them.
func TestEmbeddingsLiftTheirNeighbours(t *testing.T) {
	embedZ := recommend.DefaultOptions()
	embedZ.EmbedZ = 0.25
	for _, tc := range []struct {
		name    string
		vectors bool
		opts    recommend.Options
		next    string
	}{
		{"no vectors", false, embedZ, "protein"},
		{"the default", true, recommend.Options{}, "protein"},
		{"EmbedZ", true, embedZ, "galaxy"},
	} {
		e := newEnv(t)
		e.svc.Options = tc.opts
		if tc.vectors {
			vecs := recommend.VectorMap{}
			for f, dir := range map[string]int{"rl": 0, "protein": 1, "graph": 2, "galaxy": 0} {
				for n := range 8 {
					v := make([]float32, 3)
					v[dir] = 1
					vecs[id(f, n)] = v
				}
			}
			e.svc.Vectors = vecs
		}
		e.save(t, e.ada, id("rl", 0), id("rl", 1))
		res := e.recommend(t, Request{UserID: e.ada, Limit: 10})
		got := ids(res)
		for k, pid := range got[:6] {
			if fieldOf(pid) != "rl" {
				t.Fatalf("%s: %s at %d before an rl paper: %v", tc.name, pid, k, got)
			}
		}
		if f := fieldOf(got[6]); f != tc.next {
			t.Errorf("%s: %s (%s) after the rl papers, want a %s paper: %v", tc.name, got[6], f, tc.next, got)
		}
	}
}
