package digest

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/authorname"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/rank"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/tex"
)

//go:embed templates
var templateFiles embed.FS

var (
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").ParseFS(templateFiles, "templates/*.html"))
	textTemplates = texttemplate.Must(texttemplate.New("").ParseFS(templateFiles, "templates/*.txt"))
)

// How many papers a digest holds, and how many candidates a period's
// papers are drawn from (the most upvoted of the period, re-ranked by the
// trending score).
const (
	dailyPapers      = 10
	weeklyPapers     = 20
	filteredPapers   = 25 // filters narrow the pool, so a filtered digest may list more
	poolCandidates   = 5000
	recommendedCount = 5
)

// pool is one period's candidate papers, ranked, with indexes that let
// thousands of subscriptions pick their papers without scanning the pool
// each time, and each paper's rendered fragments, made once and shared by
// every digest that lists the paper.
type pool struct {
	cadence string
	date    time.Time
	papers  []store.Paper
	byCat   map[string][]int // category and archive -> ranks
	byAuth  map[string][]int // lower-case author -> ranks
	text    []string         // lower-case title and abstract, for saved searches

	queryMu sync.Mutex
	queries map[string][]int

	frag []fragOnce
	base string

	// The recommended papers' fragments by id, made once per pool as
	// its own papers' are: a day's recommendations are a few thousand
	// papers among 100,000 digests.
	recMu   sync.Mutex
	recFrag map[string]*fragOnce

	// run is the recommender's run for the pool's digests, when it is
	// a BatchRecommender.
	runOnce sync.Once
	run     recommendRun
	// window names the days the papers come from when they are not the
	// digest's own period (it had no community activity); "" otherwise.
	window string
}

// recommendRun is a BatchRecommender's run.
type recommendRun = func(ctx context.Context, userIDs []int64, since, until time.Time, k int) ([][]store.Paper, []string, []error)

// startRun starts the run of r for the pool's digests, once; nil
// when r is not a BatchRecommender.
func (p *pool) startRun(r Recommender) recommendRun {
	p.runOnce.Do(func() {
		if b, ok := r.(BatchRecommender); ok {
			p.run = b.StartRun()
		}
	})
	return p.run
}

type fragOnce struct {
	once sync.Once
	html htmltemplate.HTML
	text string
	err  error
}

// period returns the days a digest covers: the date itself for a daily
// digest, the seven days ending on it for a weekly one.
func period(cadence string, date time.Time) (from, to time.Time) {
	to = date.AddDate(0, 0, 1)
	if cadence == "weekly" {
		return date.AddDate(0, 0, -6), to
	}
	return date, to
}

// loadPool reads and ranks the candidates of a period. With widen, a
// period without community activity (a site whose newest papers are older,
// an idle harvest) takes the same length of time up to the newest activity
// instead, as the trending page does, so that a preview of today's digest
// is never empty on a site that has papers; it then says which days it
// shows. Scheduled runs do not widen: a day without papers sends nothing
// rather than mailing older papers again.
func (s *Service) loadPool(ctx context.Context, cadence string, date time.Time, base string, widen bool) (*pool, error) {
	from, to := period(cadence, date)
	papers, err := s.Store.TrendingCandidates(ctx, from, to, poolCandidates)
	if err != nil {
		return nil, err
	}
	moved := false
	if widen && !slices.ContainsFunc(papers, func(p store.Paper) bool { return rank.Points(&p) > 0 }) {
		newest, err := s.newestActivity(ctx, to)
		if err != nil {
			return nil, err
		}
		if !newest.IsZero() && newest.Before(from) {
			days := int(to.Sub(from).Hours() / 24)
			to, moved = newest.AddDate(0, 0, 1), true
			from = to.AddDate(0, 0, -days)
			if papers, err = s.Store.TrendingCandidates(ctx, from, to, poolCandidates); err != nil {
				return nil, err
			}
		}
	}
	// Ranked as the trending page would have ranked them at the end of
	// the period: the digest is the same on whatever day it is composed.
	rank.Trending(papers, to)
	p := newPool(cadence, date, papers, base)
	if moved {
		p.window = windowName(from, to)
	}
	return p, nil
}

// newestActivity is the newest day of the community list, else the newest
// day with papers before until; zero when there are no papers.
func (s *Service) newestActivity(ctx context.Context, until time.Time) (time.Time, error) {
	day, err := s.Store.LatestDailyListDay(ctx)
	if err != nil || !day.IsZero() {
		return day, err
	}
	day, _, err = s.Store.AdjacentDays(ctx, until)
	return day, err
}

// windowName names the days [from, to): "Wed 4 Jun" or "29 May – 4 Jun 2025".
func windowName(from, to time.Time) string {
	last := to.AddDate(0, 0, -1)
	if !last.After(from) {
		return from.Format("Mon 2 Jan 2006")
	}
	return from.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
}

func newPool(cadence string, date time.Time, papers []store.Paper, base string) *pool {
	p := &pool{cadence: cadence, date: date, papers: papers, byCat: map[string][]int{}, byAuth: map[string][]int{},
		text: make([]string, len(papers)), queries: map[string][]int{}, frag: make([]fragOnce, len(papers)), base: base}
	for i, paper := range papers {
		seen := map[string]bool{}
		for _, c := range paper.Categories {
			for _, k := range []string{c, strings.SplitN(c, ".", 2)[0]} {
				if !seen[k] {
					seen[k] = true
					p.byCat[k] = append(p.byCat[k], i)
				}
			}
		}
		for _, a := range paper.Authors {
			// Normalised as author pages and follows are, so that
			// "Lovelace, Ada" finds "Ada Lovelace".
			k := authorname.Key(a)
			p.byAuth[k] = append(p.byAuth[k], i)
		}
		p.text[i] = strings.ToLower(paper.Title + " " + paper.Abstract)
	}
	return p
}

// matchQuery returns the ranks of the papers whose title or abstract holds
// every word (or "quoted phrase") of a saved search, remembered per query
// since many subscribers share one.
func (p *pool) matchQuery(q string) []int {
	q = strings.ToLower(strings.TrimSpace(q))
	p.queryMu.Lock()
	defer p.queryMu.Unlock()
	if m, ok := p.queries[q]; ok {
		return m
	}
	terms := queryTerms(q)
	var m []int
	if len(terms) > 0 {
	papers:
		for i, t := range p.text {
			for _, term := range terms {
				if !strings.Contains(t, term) {
					continue papers
				}
			}
			m = append(m, i)
		}
	}
	p.queries[q] = m
	return m
}

func queryTerms(q string) []string {
	var terms []string
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 { // inside quotes
			if t := strings.TrimSpace(part); t != "" {
				terms = append(terms, t)
			}
			continue
		}
		terms = append(terms, strings.Fields(part)...)
	}
	return terms
}

// pick returns the ranks of a subscription's papers: the top of the pool,
// or the best-ranked papers matching any of its filters.
func (p *pool) pick(f store.DigestFilters) []int {
	if f.Empty() {
		n := dailyPapers
		if p.cadence == "weekly" {
			n = weeklyPapers
		}
		out := make([]int, min(n, len(p.papers)))
		for i := range out {
			out[i] = i
		}
		return out
	}
	var ranks []int
	for _, c := range f.Categories {
		ranks = append(ranks, p.byCat[c]...)
	}
	for _, a := range f.Authors {
		ranks = append(ranks, p.byAuth[authorname.Key(a)]...)
	}
	for _, q := range f.Queries {
		ranks = append(ranks, p.matchQuery(q)...)
	}
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	return ranks[:min(filteredPapers, len(ranks))]
}

// paperView is what the templates show of a paper.
type paperView struct {
	Title    string
	Authors  string
	Abstract string
	URL      string // the paperboy page
	ArXiv    string
	Upvotes  int
}

func (p *pool) view(paper *store.Paper) paperView {
	return viewOf(paper, p.base)
}

func viewOf(paper *store.Paper, base string) paperView {
	authors := paper.Authors
	more := ""
	if len(authors) > 5 {
		authors, more = authors[:5], " et al."
	}
	return paperView{
		Title:    plainTeX(paper.Title),
		Authors:  strings.Join(authors, ", ") + more,
		Abstract: cut(plainTeX(paper.Abstract), 240),
		URL:      base + "/papers/" + url.PathEscape(paper.ID),
		ArXiv:    "https://arxiv.org/abs/" + url.PathEscape(paper.ID),
		Upvotes:  paper.Community.Upvotes,
	}
}

// fragments renders a paper's HTML and text blocks once per pool.
func (p *pool) fragments(i int) (htmltemplate.HTML, string) {
	f := &p.frag[i]
	f.once.Do(func() { f.html, f.text, f.err = renderPaper(p.view(&p.papers[i])) })
	if f.err != nil {
		panic(f.err) // the templates are fixed and tested; a failure is a bug
	}
	return f.html, f.text
}

// renderPaper is a paper's HTML and text blocks.
func renderPaper(v paperView) (htmltemplate.HTML, string, error) {
	var b bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&b, "paper", v); err != nil {
		return "", "", err
	}
	html := htmltemplate.HTML(b.String())
	b.Reset()
	if err := textTemplates.ExecuteTemplate(&b, "paper", v); err != nil {
		return "", "", err
	}
	return html, b.String(), nil
}

// recFragments renders a recommended paper's HTML and text blocks once
// per pool, the first time a digest recommends it.
func (p *pool) recFragments(paper *store.Paper) (htmltemplate.HTML, string, error) {
	p.recMu.Lock()
	if p.recFrag == nil {
		p.recFrag = map[string]*fragOnce{}
	}
	f := p.recFrag[paper.ID]
	if f == nil {
		f = &fragOnce{}
		p.recFrag[paper.ID] = f
	}
	p.recMu.Unlock()
	f.once.Do(func() { f.html, f.text, f.err = renderPaper(viewOf(paper, p.base)) })
	return f.html, f.text, f.err
}

// emailData is what the digest templates get.
type emailData struct {
	Title       string // "12 papers for Tue 2 Jun"
	Intro       string
	Papers      []htmltemplate.HTML
	PapersText  []string
	Recommended []htmltemplate.HTML
	RecText     []string
	RecHeading  string // where the recommendations come from
	Links       links
	Home        string
	Cadence     string
	Email       string
}

// composed is one composed digest, ready for the outbox.
type composed struct {
	msg    mail.Message
	papers int
}

// compose makes one subscriber's digest. recs are the papers recommended
// for the subscriber (none when it has no account), under heading. A digest
// with no papers at all has papers == 0 and is not sent.
func (s *Service) compose(key []byte, p *pool, sub store.Subscription, recs []store.Paper, heading string, now time.Time) (composed, error) {
	ranks := p.pick(sub.Filters)
	n := len(ranks)
	// A recommendation already among the digest's papers is not repeated.
	listed := make(map[string]bool, n)
	for _, r := range ranks {
		listed[p.papers[r].ID] = true
	}
	var recPapers []*store.Paper
	for i := range recs {
		if !listed[recs[i].ID] && len(recPapers) < recommendedCount {
			listed[recs[i].ID] = true
			recPapers = append(recPapers, &recs[i])
		}
	}
	total := n + len(recPapers)
	if total == 0 {
		return composed{}, nil
	}
	data := emailData{
		Papers: make([]htmltemplate.HTML, n), PapersText: make([]string, n),
		Links: s.links(key, p.base, sub, now), Home: p.base + "/", Cadence: sub.Cadence, Email: sub.Email,
		RecHeading: heading,
	}
	for i, r := range ranks {
		data.Papers[i], data.PapersText[i] = p.fragments(r)
	}
	for _, rec := range recPapers {
		html, text, err := p.recFragments(rec)
		if err != nil {
			return composed{}, err
		}
		data.Recommended = append(data.Recommended, html)
		data.RecText = append(data.RecText, text)
	}
	data.Title = fmt.Sprintf("%s for %s", plural(total, "paper"), periodName(sub.Cadence, p.date))
	switch {
	case sub.Filters.Empty():
		data.Intro = "The papers trending on paperboy"
	default:
		data.Intro = "New papers matching your filters"
	}
	if p.window != "" {
		data.Intro += " in " + p.window + ", the newest days with community activity (nothing of " + periodName(sub.Cadence, p.date) + " has any yet)"
	}
	var titles []*store.Paper
	for _, r := range ranks {
		titles = append(titles, &p.papers[r])
	}
	for i := range recs {
		if len(titles) >= 3 {
			break
		}
		titles = append(titles, &recs[i])
	}
	var hb, tb bytes.Buffer
	// Sized for a typical digest, so the buffers do not regrow.
	hb.Grow(4096 + 2048*total)
	tb.Grow(1024 + 640*total)
	if err := htmlTemplates.ExecuteTemplate(&hb, "digest.html", data); err != nil {
		return composed{}, fmt.Errorf("digest: render html: %w", err)
	}
	if err := textTemplates.ExecuteTemplate(&tb, "digest.txt", data); err != nil {
		return composed{}, fmt.Errorf("digest: render text: %w", err)
	}
	msg := mail.Message{
		From:      s.From,
		To:        sub.Email,
		Subject:   subject(data.Title, titles, total),
		Text:      tb.String(),
		HTML:      hb.String(),
		MessageID: s.messageID(sub, p.date),
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + data.Links.Unsubscribe + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"List-Id":               "paperboy " + sub.Cadence + " digest <" + sub.Cadence + ".digest." + hostOf(p.base) + ">",
		},
	}
	return composed{msg: msg, papers: total}, nil
}

// messageID is fixed when a digest is composed and stored with it, so that
// a digest sent again after a crash carries the same ID and a receiving
// system or reader can tell it is a duplicate.
func (s *Service) messageID(sub store.Subscription, date time.Time) string {
	var r [8]byte
	rand.Read(r[:])
	return fmt.Sprintf("digest.%s.%d.%s@%s", date.Format("20060102"), sub.ID, hex.EncodeToString(r[:]), hostOf(s.baseURL()))
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// subject says what is inside: "paperboy — 12 papers for Tue 2 Jun: ProRL,
// AlphaOne, ...", naming the first papers by their short names.
func subject(title string, papers []*store.Paper, total int) string {
	var names []string
	for _, p := range papers {
		if len(names) == 3 {
			break
		}
		names = append(names, shortName(plainTeX(p.Title)))
	}
	s := "paperboy — " + title + ": " + strings.Join(names, ", ")
	if total > len(names) {
		s += ", ..."
	}
	return cutRunes(s, maxSubject)
}

// maxSubject is the longest subject, in characters: mail clients show far
// fewer, and a title of one long word (or a long title with no spaces, in
// scripts that use none) would otherwise make a subject of any length.
const maxSubject = 120

// cutRunes shortens s to at most n characters, at a word boundary in its
// second half where there is one, ending in an ellipsis.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	end, k := 0, 0
	for i := range s {
		if k == n-1 { // room for the ellipsis
			end = i
			break
		}
		k++
	}
	head := s[:end]
	if j := strings.LastIndexByte(head, ' '); j >= len(head)/2 {
		head = head[:j]
	}
	return strings.TrimRight(head, " ,;:.") + "…"
}

// shortName is what a paper is called in conversation: the name before a
// colon ("ProRL: Prolonged Reinforcement ..." is ProRL), else its first
// words.
func shortName(title string) string {
	if i := strings.IndexByte(title, ':'); i > 0 && utf8.RuneCountInString(title[:i]) <= 32 {
		return strings.TrimSpace(title[:i])
	}
	words := strings.Fields(title)
	if len(words) > 5 {
		return strings.Join(words[:5], " ") + "…"
	}
	return strings.Join(words, " ")
}

func periodName(cadence string, date time.Time) string {
	if cadence == "weekly" {
		return "the week to " + date.Format("Mon 2 Jan")
	}
	return date.Format("Mon 2 Jan")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// cut shortens text to about n bytes at a word boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := strings.LastIndexByte(s[:n], ' ')
	if i < n/2 {
		i = n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
	}
	return strings.TrimRight(s[:i], " ,;:.") + " …"
}

// plainTeX is a title or abstract as one line of plain text: mail clients
// cannot show math, and a digest only needs to be readable.
func plainTeX(s string) string {
	return strings.Join(strings.Fields(tex.Text(s)), " ")
}
