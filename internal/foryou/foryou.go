// Package foryou is the product side of recommendations: a reader's "For
// you" feed of new papers, ranked by a model of their library
// (internal/recommend) and their follows, with a readable reason for each
// paper and the feedback that changes the next ranking.
//
// # Features and memory
//
// The server does not hold the corpus's tf-idf matrix: Refresh builds the
// features (recommend.NewFeatures) of the papers of a window (Window days
// to the clock's day, the only candidates a request ranks) together with
// every paper some reader saved or gave feedback on, so that document
// frequencies come from those papers and memory grows with the window and
// the libraries, not with the corpus. Run refreshes them in the background
// every RefreshEvery, and sooner when a reader's library holds a paper the
// features do not know yet (one saved since the last build).
//
// # Models
//
// A reader's model is trained (recommend.Features.Train) on their library
// or one collection, plus the papers they marked "more like this"; a
// second model on the papers they marked "fewer like this" is subtracted
// from its scores; "not interested" drops the paper. Models are cached per
// reader and collection under a fingerprint of what they were trained on
// (the features' generation and the profile's ids), so any change to the
// library, the collection or the feedback trains a new one on the next
// request, and no request trains when nothing changed. Follows add to the
// score: a followed author's paper comes first, a followed topic's or
// category's gets a smaller lift, which is all a reader without a library
// is ranked by. Topic follows count through Topics (serve gives it the
// search facade, whose topic map names each paper's topic and area).
//
// # Measurements
//
// Scoring goes through a recommend.Window of the features' candidates,
// built with them, and a window of exactly a span asked for again (a
// digest's day) kept beside it: every reader's request and every digest
// of the day walk their library's terms in one shared index instead of
// every candidate's terms (recommend.Model.ScoreWindow, the same results
// as Score to the bit). On the shared two-core machine, wall times
// include waiting for a core (bench_test.go); before is commit 2fec894,
// run in the same session, the machine busier for it:
//
//	go test ./internal/foryou -run '^$' -bench RecommendRequest80k -benchtime 1x
//	  80k real corpus: features of 13,514 papers (90 days + libraries)
//	  built in 8-14 s, 54 MiB of heap with the window (31 without); a
//	  request scoring one month (6,083 candidates) for a 20-paper
//	  collection: 6.5 ms of CPU, 5.0 ms p50, 11 ms p95 wall (before:
//	  19 ms CPU, 29 ms p50, 244 ms p95); with training, 14 ms p95; the
//	  same period asked again, 1.3 ms p95.
//	go test ./internal/foryou -run '^$' -bench RecommendRequest3MScale -benchtime 1x
//	  3M-scale window (75,000 synthetic papers in 90 days, a month of
//	  25,020 candidates): 344 MiB of features and window (208 without;
//	  FitTfidf peaks near 3 GB while building them), 44 ms of CPU a
//	  request, 33 ms p50, 62 ms p95 wall (before: 128 ms CPU, 125 ms
//	  p50, 280 ms p95).
//	go test ./internal/digest -run '^$' -bench Compose100kWithLibraries -benchtime 1x
//	  100,000 digests, each ranking a day's 3,000 papers for its own
//	  reader (100,000 readers, 8 library papers each from 3,000), the
//	  email bodies composed: 30 s of CPU, 70 s wall (niced, at a load
//	  average of 15-23 on the two cores). Before (commit 1fb56ac, the
//	  same benchmark with -short, 10,000 digests): 413 s of CPU a
//	  100,000, 1,791 s wall at load 20.
//	go test ./internal/digest -run '^$' -bench Compose100kWithRareLibraries -benchtime 1x -short
//	  the same with libraries from 30,000 papers, 28,000 of them in
//	  10,000 libraries, more than a run keeps rows of: 143 s of CPU a
//	  100,000 (before: 598 s).
//
// The window costs memory, about the candidates' share of the tf-idf
// matrix again.
//
// A digest run ranks its readers in batches (RecommendBatch, a Run per
// run; batch.go): a library paper's kernel terms over the day's
// candidates are computed once for all the readers holding it
// (recommend.Kernel), a reader's scores are the sum of their library's
// rows, and only the first ten are selected, in the ranking's order;
// the papers are read once a run. What is left of a digest's time, at
// 100,000: composing the email bodies (a third), reading each reader's
// library, follows and feedback (four queries), adding the rows, and
// the garbage collector; with libraries spread over more papers than
// the run keeps rows of (11,000 at 3,000 candidates), the products of
// the terms a library shares with the day's papers again
// (BenchmarkCompose100kWithRareLibraries).
package foryou

import (
	"cmp"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/authorname"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/recommend"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what recommendations read and write (*store.Store).
type Store interface {
	SavedPaperIDs(ctx context.Context, userID int64, limit int) ([]string, error)
	CollectionPaperIDs(ctx context.Context, userID int64) ([]store.CollectionPaper, error)
	Follows(ctx context.Context, userID int64) ([]store.Follow, error)
	RecFeedbacks(ctx context.Context, userID int64) ([]store.RecFeedback, error)
	SetRecFeedback(ctx context.Context, userID int64, paperID, signal string) error
	DeleteRecFeedback(ctx context.Context, userID int64, paperID string) error
	RecordVisit(ctx context.Context, userID int64, now time.Time, gap time.Duration) (time.Time, error)
	SetFeedToken(ctx context.Context, userID int64, tokenHash string) error
	DeleteFeedToken(ctx context.Context, userID int64) error
	FeedTokenCreated(ctx context.Context, userID int64) (time.Time, error)
	FeedTokenUser(ctx context.Context, tokenHash string) (store.User, error)
	RecommendablePaperIDs(ctx context.Context) ([]string, error)
	EachListedPaper(ctx context.Context, from, to time.Time, fn func(store.Paper) error) error
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
}

// Topics gives papers' topics (topic id -> display name per paper) for
// readers who follow topics; nil leaves topics out of the ranking.
type Topics interface {
	PaperTopics(ctx context.Context, ids []string) (map[string][]string, error)
}

// Service ranks new papers for readers.
type Service struct {
	Store  Store
	Topics Topics
	// Options are the model's; recommend.DefaultOptions when zero.
	Options recommend.Options
	// Vectors are the papers' embeddings (the semantic index's), read
	// when Options use them (recommend.Options.UsesEmbeddings; the
	// default does not); nil, or a paper without one, leaves that part
	// out of the scores.
	Vectors recommend.Vectors
	// Window is how many days of papers, to the clock's day, are
	// candidates (90 when 0); RefreshEvery how often Run rebuilds their
	// features (an hour when 0).
	Window       int
	RefreshEvery time.Duration
	// MaxProfile bounds the library papers a model is trained on, the
	// most recently saved (1,000 when 0).
	MaxProfile int
	// Models is how many trained models are kept (4,096 when 0).
	Models int
	Now    func() time.Time
	Log    *slog.Logger

	feats   atomic.Pointer[features]
	build   sync.Mutex // one build at a time
	gen     atomic.Uint64
	refresh chan struct{}

	mu     sync.Mutex
	models map[modelKey]*list.Element
	lru    list.List
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) options() recommend.Options {
	if s.Options == (recommend.Options{}) {
		return recommend.DefaultOptions()
	}
	return s.Options
}

// features are one build's: the recommend features of the window's
// papers and the libraries' and what a request needs of each candidate.
type features struct {
	f   *recommend.Features
	win *recommend.Window // cands' terms indexed, shared by every request
	// Windows of spans asked for again (a digest's day, a period): one
	// of exactly the span's candidates skips win's search for the span
	// in every term's list. Up to maxSpans, each of at most half the
	// candidates, so they hold at most twice win's postings.
	spanMu   sync.Mutex
	spans    map[[2]int]*recommend.Window
	spanAsks map[[2]int]int
	gen      uint64
	known    map[string]bool
	cands    []candidate    // the window's papers, by day then id
	at       map[string]int // a candidate's position in cands
	meta     map[string]*paperMeta
	metaAt   []*paperMeta // cands' metadata, in cands' order
	built    time.Time
	to       time.Time // the window's end, exclusive
}

type candidate struct {
	id  string
	day time.Time
}

type paperMeta struct {
	authors    []string // as written
	keys       []string // authorname.Key of each
	categories []string
	upvotes    int
}

// Stats describe the current features, for logs and benchmarks.
type Stats struct {
	Papers, Candidates int
	Built              time.Time
	Took               time.Duration
}

// Refresh builds the features of the window's papers and the libraries'
// papers now, replacing the current ones.
func (s *Service) Refresh(ctx context.Context) (Stats, error) {
	s.build.Lock()
	defer s.build.Unlock()
	return s.refreshLocked(ctx)
}

func (s *Service) refreshLocked(ctx context.Context) (Stats, error) {
	start := time.Now()
	now := s.now().UTC()
	to := day(now).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -cmp.Or(s.Window, 90))
	var papers []store.Paper
	seen := map[string]bool{}
	ft := &features{known: map[string]bool{}, meta: map[string]*paperMeta{}, built: now, to: to}
	err := s.Store.EachListedPaper(ctx, from, to, func(p store.Paper) error {
		seen[p.ID] = true
		papers = append(papers, p)
		m := &paperMeta{authors: p.Authors, categories: p.Categories, upvotes: p.Community.TotalUpvotes()}
		for _, a := range p.Authors {
			m.keys = append(m.keys, authorname.Key(a))
		}
		ft.meta[p.ID] = m
		ft.cands = append(ft.cands, candidate{p.ID, p.PaperDay()})
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("foryou: refresh: %w", err)
	}
	ids, err := s.Store.RecommendablePaperIDs(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("foryou: refresh: %w", err)
	}
	var more []string
	for _, id := range ids {
		if !seen[id] {
			more = append(more, id)
		}
	}
	lib, err := s.Store.PapersByID(ctx, more)
	if err != nil {
		return Stats{}, fmt.Errorf("foryou: refresh: %w", err)
	}
	papers = append(papers, lib...)
	var vecs recommend.Vectors = recommend.VectorMap(nil)
	if s.Vectors != nil && s.options().UsesEmbeddings() {
		vecs = s.Vectors
	}
	f, err := recommend.NewFeatures(ctx, papers, vecs, s.options())
	if err != nil {
		return Stats{}, fmt.Errorf("foryou: refresh: %w", err)
	}
	for _, p := range papers {
		ft.known[p.ID] = true
	}
	slices.SortFunc(ft.cands, func(a, b candidate) int {
		if c := a.day.Compare(b.day); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	ids = make([]string, len(ft.cands))
	ft.at = make(map[string]int, len(ft.cands))
	ft.metaAt = make([]*paperMeta, len(ft.cands))
	for i, c := range ft.cands {
		ids[i] = c.id
		ft.at[c.id] = i
		ft.metaAt[i] = ft.meta[c.id]
	}
	ft.win = f.NewWindow(ids)
	if ft.win.Len() != len(ft.cands) {
		return Stats{}, fmt.Errorf("foryou: refresh: %d of %d candidates without features", len(ft.cands)-ft.win.Len(), len(ft.cands))
	}
	ft.f, ft.gen = f, s.gen.Add(1)
	s.feats.Store(ft)
	st := Stats{Papers: len(papers), Candidates: len(ft.cands), Built: now, Took: time.Since(start)}
	s.log().Info("recommendation features built", "papers", st.Papers, "candidates", st.Candidates, "took", st.Took)
	return st, nil
}

// Run refreshes the features every RefreshEvery, and soon after a request
// found a library paper they do not know, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	every := cmp.Or(s.RefreshEvery, time.Hour)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if s.feats.Load() == nil || time.Since(s.feats.Load().built) >= every {
			if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log().Error("recommendation features", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.refreshCh():
			// Several readers' saves within a minute make one build.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Minute):
			}
			if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log().Error("recommendation features", "err", err)
			}
		}
	}
}

func (s *Service) refreshCh() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refresh == nil {
		s.refresh = make(chan struct{}, 1)
	}
	return s.refresh
}

// askRefresh asks Run for a build without waiting for it.
func (s *Service) askRefresh() {
	select {
	case s.refreshCh() <- struct{}{}:
	default:
	}
}

// current returns the features, building them first if there are none
// (a server that just started, or a test).
func (s *Service) current(ctx context.Context) (*features, error) {
	if ft := s.feats.Load(); ft != nil {
		return ft, nil
	}
	s.build.Lock()
	defer s.build.Unlock()
	// A build that was under way (Run's first) is waited for, not repeated.
	if ft := s.feats.Load(); ft != nil {
		return ft, nil
	}
	if _, err := s.refreshLocked(ctx); err != nil {
		return nil, err
	}
	return s.feats.Load(), nil
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// --- readers -----------------------------------------------------------

// reader is what one reader's ranking is made of, read from the store on
// every request (a few indexed queries).
type reader struct {
	profile     []string          // the library or the collection, and more_like_this
	fewer       []string          // fewer_like_this
	drop        map[string]bool   // never recommended: saved, not_interested, fewer_like_this
	inColl      map[string]string // library paper -> the first collection holding it
	collNames   map[string]string // slug -> name
	follows     []store.Follow
	collection  string // the slug asked for, "" for the whole library
	hasLibrary  bool
	hasFeedback bool
}

// Empty reports whether there is nothing to rank by: no library, no
// follows, no "more like this". Such a reader is shown the welcome page.
func (r *reader) Empty() bool { return len(r.profile) == 0 && len(r.follows) == 0 }

func (s *Service) reader(ctx context.Context, userID int64, collection string) (*reader, error) {
	r := &reader{drop: map[string]bool{}, inColl: map[string]string{}, collNames: map[string]string{}, collection: collection}
	saved, err := s.Store.SavedPaperIDs(ctx, userID, cmp.Or(s.MaxProfile, 1000))
	if err != nil {
		return nil, err
	}
	r.hasLibrary = len(saved) > 0
	for _, id := range saved {
		r.drop[id] = true
	}
	cols, err := s.Store.CollectionPaperIDs(ctx, userID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, c := range cols {
		r.collNames[c.Slug] = c.Name
		if _, ok := r.inColl[c.PaperID]; !ok {
			r.inColl[c.PaperID] = c.Slug
		}
		if c.Slug == collection {
			found = true
			r.profile = append(r.profile, c.PaperID)
		}
	}
	if collection != "" && !found {
		return nil, problem.New(problem.NotFound, "You have no collection "+collection+" with papers in it.")
	}
	if collection == "" {
		r.profile = saved
	}
	fb, err := s.Store.RecFeedbacks(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, f := range fb {
		r.hasFeedback = true
		switch f.Signal {
		case store.SignalMoreLikeThis:
			if !slices.Contains(r.profile, f.PaperID) {
				r.profile = append(r.profile, f.PaperID)
			}
			r.drop[f.PaperID] = true
		case store.SignalFewerLikeThis:
			r.fewer = append(r.fewer, f.PaperID)
			r.drop[f.PaperID] = true
		case store.SignalNotInterested:
			r.drop[f.PaperID] = true
		}
	}
	if collection == "" {
		if r.follows, err = s.Store.Follows(ctx, userID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// --- models ------------------------------------------------------------

type modelKey struct {
	user       int64
	collection string
}

type trained struct {
	key         modelKey
	fingerprint string
	like, fewer *recommend.Model // either may be nil

	// The rankings of the last periods asked for: a page view that comes
	// back, or the next page, scores nothing. What they depend on beside
	// the models (follows, dropped papers) is in the fingerprint.
	mu       sync.Mutex
	rankings map[[2]time.Time][]ranked
}

// keptRankings is how many periods' rankings a reader's entry keeps.
const keptRankings = 4

func (t *trained) ranking(since, until time.Time) ([]ranked, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.rankings[[2]time.Time{since, until}]
	return r, ok
}

func (t *trained) keep(since, until time.Time, r []ranked) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rankings == nil || len(t.rankings) >= keptRankings {
		t.rankings = map[[2]time.Time][]ranked{}
	}
	t.rankings[[2]time.Time{since, until}] = r
}

// trainings counts the models trained, for the tests that show a request
// does not train when nothing changed.
var trainings atomic.Int64

// modelsOf returns the reader's models, from the cache when what they are
// trained on has not changed.
func (s *Service) modelsOf(ft *features, userID int64, r *reader) (*trained, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", ft.gen)
	for _, id := range r.profile {
		fmt.Fprintf(h, "%s\x00", id)
	}
	h.Write([]byte{1})
	for _, id := range r.fewer {
		fmt.Fprintf(h, "%s\x00", id)
	}
	h.Write([]byte{2})
	for _, id := range slices.Sorted(maps.Keys(r.drop)) {
		fmt.Fprintf(h, "%s\x00", id)
	}
	h.Write([]byte{3})
	for _, f := range r.follows {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", f.Kind, f.Value, f.Label)
	}
	fp := hex.EncodeToString(h.Sum(nil))
	key := modelKey{userID, r.collection}
	s.mu.Lock()
	if s.models == nil {
		s.models = map[modelKey]*list.Element{}
	}
	if e, ok := s.models[key]; ok && e.Value.(*trained).fingerprint == fp {
		s.lru.MoveToFront(e)
		s.mu.Unlock()
		return e.Value.(*trained), nil
	}
	s.mu.Unlock()

	t := &trained{key: key, fingerprint: fp}
	var err error
	missing := false
	for _, id := range r.profile {
		missing = missing || !ft.known[id]
	}
	if missing {
		s.askRefresh()
	}
	if len(r.profile) > 0 {
		trainings.Add(1)
		if t.like, err = ft.f.Train(r.profile); errors.Is(err, recommend.ErrEmptyProfile) {
			t.like = nil // every paper saved since the last build: follows only until the next
		} else if err != nil {
			return nil, fmt.Errorf("foryou: train the model of user %d: %w", userID, err)
		}
	}
	if len(r.fewer) > 0 {
		trainings.Add(1)
		if t.fewer, err = ft.f.Train(r.fewer); err != nil && !errors.Is(err, recommend.ErrEmptyProfile) {
			return nil, fmt.Errorf("foryou: train the disliked model of user %d: %w", userID, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.models[key]; ok {
		s.lru.Remove(e)
	}
	s.models[key] = s.lru.PushFront(t)
	for s.lru.Len() > cmp.Or(s.Models, 4096) {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.models, old.Value.(*trained).key)
	}
	return t, nil
}

// --- ranking -----------------------------------------------------------

// Request asks for one reader's recommendations.
type Request struct {
	UserID int64
	// Collection ranks by one collection's papers ("more like this
	// collection"); "" by the whole library and the follows.
	Collection string
	// Since and Until bound the papers' days, [Since, Until); zero Since
	// is a week before the latest day, zero Until after the latest day.
	Since, Until time.Time
	Limit        int // 50 when 0, at most 200
}

// Item is one recommended paper and why.
type Item struct {
	Paper  store.Paper
	Score  float64
	Reason Reason
}

// Result is a ranking.
type Result struct {
	Items []Item
	// Empty is a reader with nothing to rank by (no library, follows or
	// "more like this"), for whom the welcome page is the answer.
	Empty        bool
	Since, Until time.Time
	// Latest is the latest day with papers, which "today" means.
	Latest time.Time
}

// Reason says why a paper is recommended, in one of its forms: like
// library papers (in a collection), by a followed author, in a followed
// topic or category.
type Reason struct {
	Like       []Ref  `json:"like,omitempty"`
	Collection *Ref   `json:"collection,omitempty"`
	Author     string `json:"author,omitempty"`
	Topic      string `json:"topic,omitempty"`
	Category   string `json:"category,omitempty"`
}

// Ref names a paper (ID, Title) or a collection (ID is its slug).
type Ref struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Text is the reason as a sentence fragment: "like “X” and “Y” in your
// collection rl", "by Jan Kautz, whom you follow".
func (r Reason) Text() string {
	switch {
	case r.Author != "":
		return "by " + r.Author + ", whom you follow"
	case len(r.Like) > 0:
		var b strings.Builder
		b.WriteString("like ")
		for i, l := range r.Like {
			if i > 0 {
				b.WriteString(" and ")
			}
			b.WriteString("“" + l.Title + "”")
		}
		if r.Collection != nil {
			b.WriteString(" in your collection " + r.Collection.Title)
		} else {
			b.WriteString(" in your library")
		}
		return b.String()
	case r.Topic != "":
		return "in " + r.Topic + ", which you follow"
	case r.Category != "":
		return "in " + r.Category + ", which you follow"
	}
	return ""
}

// The follows' lifts, in units of the model's score (one library paper
// identical to the candidate scores 1): a followed author's paper comes
// before all but the closest matches; a category holds too many papers
// to weigh more than a loose match.
const (
	authorLift   = 1.0
	topicLift    = 0.2
	categoryLift = 0.02
)

// fewerWeight scales the disliked papers' model against the library's: a
// paper as close to a disliked paper as to a library paper goes down,
// which is what the reader asked for.
const fewerWeight = 2

// Recommend ranks the new papers of the request's period for the reader.
func (s *Service) Recommend(ctx context.Context, req Request) (Result, error) {
	ft, err := s.current(ctx)
	if err != nil {
		return Result{}, err
	}
	r, err := s.reader(ctx, req.UserID, req.Collection)
	if err != nil {
		return Result{}, err
	}
	res, limit := s.result(ft, req)
	if r.Empty() {
		res.Empty = true
		return res, nil
	}
	t, err := s.modelsOf(ft, req.UserID, r)
	if err != nil {
		return Result{}, err
	}
	ranked, ok := t.ranking(res.Since, res.Until)
	if !ok {
		lo, hi := ft.span(res.Since, res.Until)
		if ranked, err = s.rank(ctx, ft, r, t, lo, hi); err != nil {
			return Result{}, err
		}
		// Kept to 200, the most a request asks for.
		ranked = slices.Clip(ranked[:min(200, len(ranked))])
		t.keep(res.Since, res.Until, ranked)
	}
	ranked = ranked[:min(limit, len(ranked))]
	if err := s.fill(ctx, r, &res, ranked); err != nil {
		return Result{}, err
	}
	return res, nil
}

// result is a request's Result before its items, its period's defaults
// applied, and how many items it is to have.
func (s *Service) result(ft *features, req Request) (Result, int) {
	res := Result{Latest: ft.latest(s.now())}
	res.Since, res.Until = req.Since, req.Until
	if res.Until.IsZero() {
		res.Until = res.Latest.AddDate(0, 0, 1)
	}
	if res.Since.IsZero() {
		res.Since = res.Until.AddDate(0, 0, -7)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 50
	}
	return res, min(limit, 200)
}

type ranked struct {
	id      string
	score   float64
	model   float64 // the library model's part
	like    []string
	lifted  follow // the strongest follow that lifted it
	upvotes int
}

type follow struct {
	kind, label string
	lift        float64
}

// rank scores the candidates ft.cands[lo:hi] but the reader's dropped
// ones: the library model, less the disliked papers' model, plus the
// follows' lifts; best first, ties by upvotes and then id, so the same
// state always gives the same order.
func (s *Service) rank(ctx context.Context, ft *features, r *reader, t *trained, lo, hi int) ([]ranked, error) {
	ids := make([]string, 0, hi-lo)
	for _, c := range ft.cands[lo:hi] {
		if len(r.drop) == 0 || !r.drop[c.id] {
			ids = append(ids, c.id)
		}
	}
	w, wlo, whi := ft.spanWindow(lo, hi)
	var skip func(k int) bool
	if len(r.drop) > 0 {
		skip = func(k int) bool { return r.drop[w.ID(k)] }
	}
	var out []ranked
	if t.like != nil {
		scored := t.like.ScoreWindow(w, wlo, whi, skip, len(ids))
		out = make([]ranked, len(scored))
		for i, sc := range scored {
			out[i] = ranked{id: sc.ID, model: sc.Score, like: sc.Reason.Like}
		}
	} else {
		out = make([]ranked, len(ids))
		for i, id := range ids {
			out[i].id = id
		}
	}
	if t.fewer != nil {
		at := make(map[string]int, len(out))
		for i := range out {
			at[out[i].id] = i
		}
		for _, sc := range t.fewer.ScoreWindow(w, wlo, whi, skip, 0) {
			if i, ok := at[sc.ID]; ok {
				out[i].model -= fewerWeight * sc.Score
			}
		}
	}
	fl, err := s.followsOf(ctx, r, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		o := &out[i]
		m := ft.meta[o.id]
		if m != nil {
			o.upvotes = m.upvotes
		}
		lift, lifted := fl.lift(o.id, m)
		o.lifted = lifted
		o.score = o.model + lift
	}
	slices.SortFunc(out, compareRanked)
	// Candidates nothing speaks for are not recommendations.
	n := 0
	for _, o := range out {
		if o.score > 0 && (o.lifted.lift > 0 || len(o.like) > 0) {
			out[n] = o
			n++
		}
	}
	return out[:n], nil
}

// compareRanked is the ranking's order: best first, ties by upvotes and
// then id.
func compareRanked(a, b ranked) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	if c := cmp.Compare(b.upvotes, a.upvotes); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// follows are a reader's follows ready to lift candidates.
type follows struct {
	authors, topics map[string]string
	cats            []store.Follow // in the store's order, so the same one names a paper each time
	paperTopics     map[string][]string
}

// followsOf prepares the reader's follows for the candidates ids (whose
// topics are asked for when the reader follows topics).
func (s *Service) followsOf(ctx context.Context, r *reader, ids []string) (*follows, error) {
	fl := &follows{authors: map[string]string{}, topics: map[string]string{}}
	for _, f := range r.follows {
		switch f.Kind {
		case store.FollowAuthor:
			fl.authors[f.Value] = f.Label
		case store.FollowCategory:
			fl.cats = append(fl.cats, f)
		case store.FollowTopic:
			fl.topics[f.Value] = f.Label
		}
	}
	if len(fl.topics) > 0 && s.Topics != nil {
		var err error
		if fl.paperTopics, err = s.Topics.PaperTopics(ctx, ids); err != nil {
			return nil, fmt.Errorf("foryou: topics: %w", err)
		}
	}
	return fl, nil
}

// lift is what the follows add to the score of paper id (of metadata m,
// nil when unknown), and the strongest follow that lifted it.
func (fl *follows) lift(id string, m *paperMeta) (float64, follow) {
	var lifted follow
	best := func(f follow) {
		if f.lift > lifted.lift {
			lifted = f
		}
	}
	var lift float64
	if m != nil && len(fl.authors) > 0 {
		for k, key := range m.keys {
			if _, ok := fl.authors[key]; ok {
				lift += authorLift
				best(follow{store.FollowAuthor, m.authors[k], authorLift})
				break
			}
		}
	}
	if m != nil && len(fl.cats) > 0 {
	categories:
		for _, c := range m.categories {
			for _, f := range fl.cats {
				if c == f.Value || strings.HasPrefix(c, f.Value+".") {
					lift += categoryLift
					best(follow{store.FollowCategory, f.Label, categoryLift})
					break categories
				}
			}
		}
	}
	for _, tp := range fl.paperTopics[id] {
		if label, ok := fl.topics[tp]; ok {
			lift += topicLift
			best(follow{store.FollowTopic, label, topicLift})
			break
		}
	}
	return lift, lifted
}

// fill reads the ranked papers and the library papers their reasons name,
// and writes the reasons.
func (s *Service) fill(ctx context.Context, r *reader, res *Result, rs []ranked) error {
	papers, err := s.Store.PapersByID(ctx, fillIDs(nil, rs))
	if err != nil {
		return fmt.Errorf("foryou: %w", err)
	}
	byID := make(map[string]*store.Paper, len(papers))
	for i := range papers {
		byID[papers[i].ID] = &papers[i]
	}
	s.fillFrom(r, res, rs, byID)
	return nil
}

// fillIDs appends the ids fill reads for rs.
func fillIDs(ids []string, rs []ranked) []string {
	for _, o := range rs {
		ids = append(ids, o.id)
		ids = append(ids, o.like...)
	}
	return ids
}

// fillFrom is fill with the papers read.
func (s *Service) fillFrom(r *reader, res *Result, rs []ranked, byID map[string]*store.Paper) {
	for _, o := range rs {
		p := byID[o.id]
		if p == nil {
			continue // removed since the features were built
		}
		it := Item{Paper: *p, Score: o.score}
		// The follow speaks when it lifted the paper more than its
		// likeness to the library did; an author followed always does.
		if o.lifted.kind == store.FollowAuthor || (o.lifted.lift > 0 && o.lifted.lift >= o.model) || len(o.like) == 0 {
			switch o.lifted.kind {
			case store.FollowAuthor:
				it.Reason.Author = o.lifted.label
			case store.FollowTopic:
				it.Reason.Topic = o.lifted.label
			case store.FollowCategory:
				it.Reason.Category = o.lifted.label
			}
		} else {
			it.Reason = s.likeReason(r, o.like, byID)
		}
		res.Items = append(res.Items, it)
	}
}

// likeReason names the library papers a recommendation is like and the
// collection they are in, when they share one.
func (s *Service) likeReason(r *reader, like []string, byID map[string]*store.Paper) Reason {
	var reason Reason
	slug := r.collection
	for i, id := range like {
		p := byID[id]
		if p == nil {
			continue
		}
		reason.Like = append(reason.Like, Ref{ID: id, Title: plainTitle(p.Title)})
		if r.collection == "" {
			c := r.inColl[id]
			if i == 0 {
				slug = c
			} else if c != slug {
				slug = ""
			}
		}
	}
	if slug != "" {
		reason.Collection = &Ref{ID: slug, Title: r.collNames[slug]}
	}
	return reason
}

// plainTitle is a title on one line.
func plainTitle(t string) string { return strings.Join(strings.Fields(t), " ") }

// latest is the latest day with papers up to the clock's day: what
// "today" is when the harvest has not yet brought today's.
func (ft *features) latest(now time.Time) time.Time {
	end := day(now).AddDate(0, 0, 1)
	for i := len(ft.cands) - 1; i >= 0; i-- {
		if ft.cands[i].day.Before(end) {
			return ft.cands[i].day
		}
	}
	return day(now)
}

// window is the candidates whose day is in [since, until).
func (ft *features) window(since, until time.Time) []candidate {
	lo, hi := ft.span(since, until)
	return ft.cands[lo:hi]
}

// maxSpans bounds the span windows kept: a day's digests share one,
// readers' periods a few.
const maxSpans = 4

// spanWindow is a window of cands[lo:hi] and the span's bounds in it.
func (ft *features) spanWindow(lo, hi int) (w *recommend.Window, wlo, whi int) {
	if (hi-lo)*2 > len(ft.cands) {
		return ft.win, lo, hi
	}
	key := [2]int{lo, hi}
	ft.spanMu.Lock()
	defer ft.spanMu.Unlock()
	if w, ok := ft.spans[key]; ok {
		return w, 0, w.Len()
	}
	// A span asked for once (one reader's "since my last visit") is not
	// worth its window.
	if ft.spanAsks == nil || len(ft.spanAsks) >= 64 {
		ft.spanAsks = map[[2]int]int{}
	}
	if ft.spanAsks[key]++; ft.spanAsks[key] < 2 {
		return ft.win, lo, hi
	}
	if ft.spans == nil || len(ft.spans) >= maxSpans {
		ft.spans = map[[2]int]*recommend.Window{}
	}
	w = ft.newSpanWindow(lo, hi)
	ft.spans[key] = w
	return w, 0, w.Len()
}

// newSpanWindow is a new window of exactly cands[lo:hi].
func (ft *features) newSpanWindow(lo, hi int) *recommend.Window {
	ids := make([]string, hi-lo)
	for k, c := range ft.cands[lo:hi] {
		ids[k] = c.id
	}
	return ft.f.NewWindow(ids)
}

// span is window's bounds in cands (and in win, which has cands' order).
func (ft *features) span(since, until time.Time) (lo, hi int) {
	lo, _ = slices.BinarySearchFunc(ft.cands, since, func(c candidate, t time.Time) int { return c.day.Compare(t) })
	hi, _ = slices.BinarySearchFunc(ft.cands, until, func(c candidate, t time.Time) int { return c.day.Compare(t) })
	return lo, hi
}

// --- periods -----------------------------------------------------------

// The periods a reader picks.
const (
	PeriodToday = "today"
	PeriodWeek  = "week"
	PeriodMonth = "month"
	PeriodVisit = "visit" // since the last visit
)

// Period returns the days [since, until) of a named period, counted back
// from the latest day with papers; "visit" starts at the reader's
// previous visit (a week when there is none). An unknown name is a week.
func (s *Service) Period(ctx context.Context, name string, previousVisit time.Time) (since, until time.Time, err error) {
	ft, err := s.current(ctx)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	latest := ft.latest(s.now())
	until = latest.AddDate(0, 0, 1)
	switch name {
	case PeriodToday:
		return latest, until, nil
	case PeriodMonth:
		return until.AddDate(0, -1, 0), until, nil
	case PeriodVisit:
		if !previousVisit.IsZero() {
			return day(previousVisit), until, nil
		}
	}
	return until.AddDate(0, 0, -7), until, nil
}

// visitGap is how long a reader is away before their next visit is a new
// one: reloading the page does not empty "since last visit".
const visitGap = 2 * time.Hour

// Visit records that the reader looks at their recommendations and
// returns their previous visit (zero for none).
func (s *Service) Visit(ctx context.Context, userID int64) (time.Time, error) {
	return s.Store.RecordVisit(ctx, userID, s.now(), visitGap)
}

// --- feedback ----------------------------------------------------------

// The signals Feedback takes; save is the library's (the caller saves).
var signals = []string{store.SignalNotInterested, store.SignalFewerLikeThis, store.SignalMoreLikeThis}

// ValidSignal reports whether signal is one Feedback takes.
func ValidSignal(signal string) bool { return slices.Contains(signals, signal) }

// Feedback records the reader's signal on a paper; the next ranking uses
// it. "undo" forgets the signal.
func (s *Service) Feedback(ctx context.Context, userID int64, paperID, signal string) error {
	if signal == "undo" {
		return s.Store.DeleteRecFeedback(ctx, userID, paperID)
	}
	if !ValidSignal(signal) {
		return problem.New(problem.Invalid, "signal: want not_interested, fewer_like_this, more_like_this or save")
	}
	err := s.Store.SetRecFeedback(ctx, userID, paperID, signal)
	if errors.Is(err, store.ErrNotFound) {
		return problem.Wrap(err, problem.NotFound, "There is no paper "+paperID+".")
	}
	return err
}

// --- private feeds -----------------------------------------------------

// NewFeedToken makes the reader a new private feed token, revoking the
// one they had, and returns it: it is stored only hashed, so this is the
// one time it can be shown.
func (s *Service) NewFeedToken(ctx context.Context, userID int64) (string, error) {
	token, hash := auth.NewToken()
	if err := s.Store.SetFeedToken(ctx, userID, hash); err != nil {
		return "", err
	}
	return token, nil
}

// RevokeFeedToken ends the reader's private feed.
func (s *Service) RevokeFeedToken(ctx context.Context, userID int64) error {
	return s.Store.DeleteFeedToken(ctx, userID)
}

// FeedTokenCreated is when the reader's feed token was made, zero for
// none.
func (s *Service) FeedTokenCreated(ctx context.Context, userID int64) (time.Time, error) {
	return s.Store.FeedTokenCreated(ctx, userID)
}

// FeedUser is the reader whose feed token this is; an unknown or revoked
// token is a problem.NotFound.
func (s *Service) FeedUser(ctx context.Context, token string) (store.User, error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, errNoFeed
	}
	u, err := s.Store.FeedTokenUser(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errNoFeed
	}
	return u, err
}

var errNoFeed = problem.New(problem.NotFound, "There is no feed at this address.")

// --- digest ------------------------------------------------------------

// Recommender is the digest's recommender (digest.Recommender).
type Recommender interface {
	Recommend(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, error)
}

// Digest is a digest.Recommender: the reader's library model for readers
// with a library or follows, else fallback (nil: none).
func (s *Service) Digest(fallback Recommender) Recommender {
	return digestRecommender{s, fallback}
}

type digestRecommender struct {
	s        *Service
	fallback Recommender
}

func (d digestRecommender) Recommend(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, error) {
	papers, _, err := d.RecommendHeaded(ctx, userID, since, until, k)
	return papers, err
}

// LibraryHeading heads a digest's recommendations from the library model.
const LibraryHeading = "Recommended for you, from your library"

// RecommendHeaded is digest.HeadedRecommender: the library model's papers
// under LibraryHeading, or the fallback's under its own.
func (d digestRecommender) RecommendHeaded(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, string, error) {
	res, err := d.s.Recommend(ctx, Request{UserID: userID, Since: since, Until: until, Limit: k})
	if err != nil {
		return nil, "", err
	}
	return d.headed(ctx, res, userID, since, until, k)
}

// headed is a reader's Result as a digest's papers and heading: its
// papers under LibraryHeading, or the fallback's when it is Empty.
func (d digestRecommender) headed(ctx context.Context, res Result, userID int64, since, until time.Time, k int) ([]store.Paper, string, error) {
	if res.Empty {
		return d.fallbackHeaded(ctx, userID, since, until, k)
	}
	out := make([]store.Paper, len(res.Items))
	for i, it := range res.Items {
		out[i] = it.Paper
	}
	return out, LibraryHeading, nil
}

// fallbackHeaded is the fallback's recommendations, for a reader with
// nothing to rank by.
func (d digestRecommender) fallbackHeaded(ctx context.Context, userID int64, since, until time.Time, k int) ([]store.Paper, string, error) {
	if d.fallback == nil {
		return nil, "", nil
	}
	if h, ok := d.fallback.(interface {
		RecommendHeaded(context.Context, int64, time.Time, time.Time, int) ([]store.Paper, string, error)
	}); ok {
		return h.RecommendHeaded(ctx, userID, since, until, k)
	}
	papers, err := d.fallback.Recommend(ctx, userID, since, until, k)
	return papers, "Recommended from the papers you upvoted", err
}
