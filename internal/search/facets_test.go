package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/internal/searchtest"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
)

// topicSearcher searches the shared corpus with a topic map of it.
func topicSearcher(t *testing.T) (*Searcher, *topicmap.Map) {
	t.Helper()
	docs := searchtest.Corpus()
	ix := searchtest.Semantic(t)
	texts := func(fn func(id, title, abstract string) error) error {
		for _, d := range docs {
			if err := fn(d.ID, d.Title, d.Abstract); err != nil {
				return err
			}
		}
		return nil
	}
	tm, err := ix.BuildTopics(context.Background(), texts, topicmap.BuildOptions{Topics: 6, Areas: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &Searcher{Lexical: searchtest.Lexical(t, docs), Index: func() *semantic.Index { return ix }}, tm
}

// holding counts, per fine topic, the corpus papers whose title or
// abstract has every one of words: what the facets must count.
func holding(tm *topicmap.Map, words ...string) map[string]int {
	out := map[string]int{}
	for _, d := range searchtest.Corpus() {
		fields := strings.Fields(d.Title + " " + d.Abstract)
		all := true
		for _, w := range words {
			all = all && slices.Contains(fields, w)
		}
		if all {
			out[tm.Topics()[tm.TopicOf(d.ID)].Slug]++
		}
	}
	return out
}

func TestFacetCountsEqualTheMatchingPapersPerTopic(t *testing.T) {
	s, tm := topicSearcher(t)
	ctx := context.Background()
	for _, q := range [][]string{{"speech"}, {"image"}, {"audio", "phoneme"}} {
		want := holding(tm, q...)
		_, _, facets, err := s.SearchFacets(ctx, Hybrid, Request{Query: strings.Join(q, " "), Limit: 5}, FacetOptions{Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(facets) == 0 {
			t.Fatalf("%q: no facets", q)
		}
		for _, f := range facets {
			// A facet may join neighbouring topics: it counts the
			// matching papers of them all.
			n := 0
			var slugs []string
			for _, tp := range f.Facet().Members {
				n += want[tm.Topics()[tp].Slug]
				slugs = append(slugs, tm.Topics()[tp].Slug)
			}
			if f.Count != n {
				t.Errorf("%q: facet %s counts %d, want %d papers", q, f.Slug, f.Count, n)
			}
			if f.Slug != strings.Join(slugs, ",") {
				t.Errorf("%q: facet of topics %v has slug %s", q, slugs, f.Slug)
			}
		}
		// The page asked for does not change the counts: all matches are
		// counted, not the results shown.
		_, _, again, err := s.SearchFacets(ctx, Lexical, Request{Query: strings.Join(q, " "), Limit: 1, Offset: 3}, FacetOptions{Facets: true})
		if err != nil || fmt.Sprint(again) != fmt.Sprint(facets) {
			t.Errorf("%q: facets differ with another page and mode: %v vs %v (%v)", q, again, facets, err)
		}
	}
}

func TestATopicNarrowsTheResultsToItsPapers(t *testing.T) {
	s, tm := topicSearcher(t)
	ctx := context.Background()
	want := holding(tm, "speech")
	if len(want) == 0 {
		t.Fatal("no paper says speech")
	}
	for slug, n := range want {
		res, _, _, err := s.SearchFacets(ctx, Hybrid, Request{Query: "speech", Limit: 100}, FacetOptions{Topic: slug})
		if err != nil {
			t.Fatal(err)
		}
		i, _, _ := tm.BySlug(slug)
		if res.Total != n {
			t.Errorf("topic %s: %d results, want %d", slug, res.Total, n)
		}
		for _, h := range res.Hits {
			if tm.TopicOf(h.ID) != i {
				t.Errorf("topic %s: result %s is of topic %d", slug, h.ID, tm.TopicOf(h.ID))
			}
		}
	}
	// A facet joining topics narrows to all of them.
	var slugs []string
	total := 0
	for slug, n := range want {
		slugs = append(slugs, slug)
		total += n
	}
	res, _, _, err := s.SearchFacets(ctx, Lexical, Request{Query: "speech", Limit: 100}, FacetOptions{Topic: strings.Join(slugs, ",")})
	if err != nil || res.Total != total {
		t.Errorf("topics %v: %d results, want %d (%v)", slugs, res.Total, total, err)
	}
	if _, _, _, err := s.SearchFacets(ctx, Hybrid, Request{Query: "speech"}, FacetOptions{Topic: slugs[0] + ",no-such-topic"}); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("an unknown topic among several: %v, want ErrUnknownTopic", err)
	}
	if _, _, _, err := s.SearchFacets(ctx, Hybrid, Request{Query: "speech"}, FacetOptions{Topic: "no-such-topic"}); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("unknown topic: %v, want ErrUnknownTopic", err)
	}
}

func TestPapersThatArriveJoinTheirNearestTopic(t *testing.T) {
	s, tm := topicSearcher(t)
	ix := s.Index()
	old := searchtest.Corpus()[0] // a speech paper
	doc := old
	doc.ID = "2601.00001"
	if err := ix.Apply(context.Background(), []Document{doc}, nil, 1); err != nil {
		t.Fatal(err)
	}
	if got, want := tm.TopicOf(doc.ID), tm.TopicOf(old.ID); got != want {
		t.Errorf("a new paper like %s has topic %d, want %d", old.ID, got, want)
	}
	if err := ix.Apply(context.Background(), nil, []string{doc.ID}, 2); err != nil {
		t.Fatal(err)
	}
	if tm.TopicOf(doc.ID) != topicmap.NoTopic {
		t.Error("a deleted paper keeps its topic")
	}
}

// A topic follow holds a fine topic's or an area's slug; PaperTopics gives
// both for every paper the map holds, so either kind of follow matches.
func TestPaperTopicsNameTheTopicAndItsArea(t *testing.T) {
	s, tm := topicSearcher(t)
	speech := searchtest.Corpus()[0].ID
	got, err := s.PaperTopics(context.Background(), []string{speech, "2999.99999"})
	if err != nil {
		t.Fatal(err)
	}
	i := tm.TopicOf(speech)
	topic := tm.Topics()[i]
	want := []string{topic.Slug, tm.Areas()[topic.Parent].Slug}
	if fmt.Sprint(got[speech]) != fmt.Sprint(want) {
		t.Errorf("PaperTopics(%s) = %v, want %v", speech, got[speech], want)
	}
	if _, ok := got["2999.99999"]; ok {
		t.Errorf("a paper outside the map has topics: %v", got["2999.99999"])
	}
	for _, slug := range want {
		if _, ok, _ := s.Topic(context.Background(), slug); !ok {
			t.Errorf("slug %s cannot be followed", slug)
		}
	}
}

func TestTopicsCanBeNamedForFollowing(t *testing.T) {
	s, tm := topicSearcher(t)
	for _, tp := range append(tm.Topics(), tm.Areas()...) {
		name, ok, err := s.Topic(context.Background(), tp.Slug)
		if err != nil || !ok || name != tp.Label {
			t.Errorf("Topic(%s) = %q, %v, %v; want %q", tp.Slug, name, ok, err, tp.Label)
		}
	}
	if _, ok, err := s.Topic(context.Background(), "no-such-topic"); ok || err != nil {
		t.Errorf("an unknown topic: ok %v, %v", ok, err)
	}
	if _, ok, _ := (&Searcher{}).Topic(context.Background(), tm.Topics()[0].Slug); ok {
		t.Error("a searcher without a map names a topic")
	}
}

// walkOnly hides the lexical index's DocValues, so TopicPapers walks the
// papers with the topic as a filter, as it did before the map listed each
// topic's papers.
type walkOnly struct{ ix *lexical.Index }

func (w walkOnly) Search(ctx context.Context, req Request) (Result, error) {
	return w.ix.Search(ctx, req)
}

// A topic's newest and most upvoted papers, read from its own papers,
// are those a search filtered by the topic finds, in the same order;
// papers the index dropped are left out, papers that arrive are in.
func TestTopicPapersAreTheNewestAndMostUpvotedOfTheTopic(t *testing.T) {
	s, tm := topicSearcher(t)
	docs := searchtest.Corpus()
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range docs {
		// Dates repeat (ties broken by votes, then id); every third
		// paper has no vote.
		docs[i].Date = day.AddDate(0, 0, i/3)
		docs[i].Upvotes = (i * 7) % 5 * min(i%3, 1)
	}
	lex := searchtest.Lexical(t, docs)
	lex.Delete(docs[len(docs)-1].ID)
	arrived := docs[0]
	arrived.ID, arrived.Date, arrived.Upvotes = "2601.00001", day.AddDate(0, 3, 0), 9
	if err := lex.Add(arrived); err != nil {
		t.Fatal(err)
	}
	if err := s.Index().Apply(context.Background(), []Document{arrived}, nil, 1); err != nil {
		t.Fatal(err)
	}
	fast := &Searcher{Lexical: lex, Index: s.Index}
	slow := &Searcher{Lexical: walkOnly{lex}, Index: s.Index}
	if _, ok := slow.Lexical.(docValuer); ok {
		t.Fatal("walkOnly reports values by id")
	}
	since := func(last time.Time) time.Time { return last.AddDate(0, 0, -10) }
	var slugs []string
	for _, tp := range append(tm.Topics(), tm.Areas()...) {
		slugs = append(slugs, tp.Slug)
	}
	seen := map[string]bool{}
	for _, slug := range slugs {
		for _, n := range []int{1, 5, 50} {
			newest, voted, err := fast.TopicPapers(context.Background(), slug, n, since)
			if err != nil {
				t.Fatal(err)
			}
			wantNew, wantVoted, err := slow.TopicPapers(context.Background(), slug, n, since)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(newest) != fmt.Sprint(wantNew) || fmt.Sprint(voted) != fmt.Sprint(wantVoted) {
				t.Errorf("%s, %d: newest %v, upvoted %v; the walk finds %v, %v", slug, n, newest, voted, wantNew, wantVoted)
			}
			for _, id := range newest {
				seen[id] = true
			}
		}
	}
	if seen[docs[len(docs)-1].ID] || !seen[arrived.ID] {
		t.Errorf("deleted paper listed %v, arrived paper listed %v", seen[docs[len(docs)-1].ID], seen[arrived.ID])
	}
	if _, _, err := fast.TopicPapers(context.Background(), "no-such-topic", 5, since); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("unknown topic: %v, want ErrUnknownTopic", err)
	}
}
