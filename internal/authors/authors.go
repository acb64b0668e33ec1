// Package authors owns author pages, follows and claims of authorship.
//
// An author page gathers the papers listed under one normalised name
// (authorname.Key). Papers that give only initials ("A. Lovelace") are
// added when that is unambiguous among the names paperboy holds: no other
// full given name with the same initial shares the surname. Names are not
// people; the page says so.
//
// Follows are what a member follows (authors, categories, topics, saved
// searches); for a member's digest subscription they are its filters
// (store.DigestFilters are filled from them).
//
// Claims are a member's word that they are one of a paper's authors,
// pending until a moderator approves it; an approved claim marks the name
// on the paper page, lists the paper on the member's profile, and saves it
// to their library through Saver.
package authors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/authorname"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what author pages, follows and claims read and write
// (*store.Store).
type Store interface {
	Paper(ctx context.Context, id string) (store.Paper, error)
	AuthorNameVariants(ctx context.Context, initialKey string, limit int) ([]store.NameVariant, error)
	AuthorPapers(ctx context.Context, keys []string, limit int) ([]store.Paper, error)

	Follow(ctx context.Context, userID int64, kind, value, label string) (bool, error)
	Unfollow(ctx context.Context, userID int64, kind, value string) (bool, error)
	Follows(ctx context.Context, userID int64) ([]store.Follow, error)
	IsFollowing(ctx context.Context, userID int64, kind, value string) (bool, error)

	ClaimPaper(ctx context.Context, userID int64, paperID string, position int) (store.Claim, error)
	WithdrawClaim(ctx context.Context, userID int64, paperID string) (bool, error)
	PendingClaims(ctx context.Context, limit int) ([]store.Claim, error)
	CountPendingClaims(ctx context.Context, userID int64) (int, error)
	PaperClaims(ctx context.Context, paperID string, userID int64) ([]store.Claim, error)
	UserClaims(ctx context.Context, userID int64, limit int) ([]store.Claim, error)
	DecideClaim(ctx context.Context, userID int64, paperID string, approve bool, by store.Actor) (store.Claim, error)
}

// Saver saves a paper to a member's library. The command wires it to the
// library service; nil leaves approved claims out of libraries.
type Saver interface {
	Save(ctx context.Context, userID int64, paperID string) error
}

// Topics resolves a topic id to its name. nil: topics are not available,
// and following one is refused; so is an error wrapping ErrNoTopics (a
// topic map that is not there yet).
type Topics interface {
	Topic(ctx context.Context, id string) (name string, ok bool, err error)
}

// ErrNoTopics is what Topics returns while there are no topics.
var ErrNoTopics = errNoTopics

// Member is the signed-in person who acts.
type Member struct {
	ID        int64
	Name      string
	Moderator bool
	Verified  bool
}

// Service runs author pages, follows and claims.
type Service struct {
	Store   Store
	Library Saver  // nil: approved claims are not saved to libraries
	Topics  Topics // nil: no topics to follow yet
	Log     *slog.Logger
}

// Limits.
const (
	MaxFollows       = 500 // per member
	MaxPendingClaims = 100 // per member
	MaxValueLen      = authorname.MaxLen
	// PagePapers bounds an author page; co-authors and categories are
	// counted over these papers.
	PagePapers  = 200
	maxVariants = 50
)

// Refusals a client may see.
var (
	errNoAuthor      = problem.New(problem.NotFound, "There is no author of that name.")
	errKind          = problem.New(problem.Invalid, "kind: want author, category, topic or search")
	errEmptyValue    = problem.New(problem.Invalid, "Say what to follow: an author's name, a category (cs.LG), a topic or a search.")
	errLongValue     = problem.New(problem.Invalid, fmt.Sprintf("That is longer than %d bytes.", MaxValueLen))
	errBadText       = problem.New(problem.Invalid, "That holds characters that are not allowed (control characters or invalid UTF-8).")
	errCategory      = problem.New(problem.Invalid, "That is not an arXiv category (try cs.LG, math.AG or hep-th).")
	errNoTopics      = problem.New(problem.Invalid, "topics are not available yet")
	errNoTopic       = problem.New(problem.Invalid, "There is no topic with this id.")
	errTooMany       = problem.New(problem.Unprocessable, fmt.Sprintf("You follow %d things, the most an account may; unfollow some first.", MaxFollows))
	errNoPaper       = problem.New(problem.NotFound, "There is no paper with this id.")
	errUnverified    = problem.New(problem.Forbidden, "Confirm your email address first; /settings can send a new link.")
	errPosition      = problem.New(problem.Invalid, "author: choose which of the paper's authors you are")
	errTooManyClaims = problem.New(problem.Unprocessable, fmt.Sprintf("You have %d claims waiting for a moderator, the most an account may.", MaxPendingClaims))
	errNotMod        = problem.New(problem.Forbidden, "This page is for moderators.")
	errNoClaim       = problem.New(problem.NotFound, "There is no pending claim of this paper by this member.")
	errClaimTaken    = problem.New(problem.Conflict, "This author of the paper is already verified as another member.")
)

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Page is an author page.
type Page struct {
	Name string // as the papers most often write it
	Key  string // the normalised name the page is about
	// Also are the other forms of the name included (initials only), as
	// written; Others are names under the same initial that were not
	// included, for the reader to follow.
	Also   []string
	Others []Name
	Papers []store.Paper
	// More is true when the author has more papers than the page shows.
	More       bool
	Coauthors  []Count
	Categories []Count
}

// Name is a normalised name with a way of writing it.
type Name struct {
	Key, Display string
	Papers       int
}

// Count is a name or category and how many papers it appears on.
type Count struct {
	Key, Display string
	N            int
}

// AuthorPage returns the page of the author named name (any form of it).
func (s *Service) AuthorPage(ctx context.Context, name string) (Page, error) {
	if len(name) > MaxValueLen || !utf8.ValidString(name) {
		return Page{}, errNoAuthor
	}
	key := authorname.Key(name)
	if key == "" {
		return Page{}, errNoAuthor
	}
	variants, err := s.Store.AuthorNameVariants(ctx, authorname.InitialKey(key), maxVariants)
	if err != nil {
		return Page{}, fmt.Errorf("authors: page of %q: %w", key, err)
	}
	keys, others := included(key, variants)
	papers, err := s.Store.AuthorPapers(ctx, keys, PagePapers+1)
	if err != nil {
		return Page{}, fmt.Errorf("authors: page of %q: %w", key, err)
	}
	if len(papers) == 0 {
		return Page{}, errNoAuthor
	}
	p := Page{Key: key, More: len(papers) > PagePapers}
	p.Papers = papers[:min(len(papers), PagePapers)]
	in := map[string]bool{}
	for _, k := range keys {
		in[k] = true
	}
	written := map[string]map[string]int{} // key -> form -> papers
	coauthors := map[string]int{}
	categories := map[string]int{}
	for _, paper := range p.Papers {
		seen := map[string]bool{}
		for _, a := range paper.Authors {
			k := authorname.Key(a)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			if written[k] == nil {
				written[k] = map[string]int{}
			}
			written[k][strings.TrimSpace(a)]++
			if !in[k] {
				coauthors[k]++
			}
		}
		for _, c := range paper.Categories {
			categories[c]++
		}
	}
	display := func(k string) string {
		best, n := k, 0
		for form, c := range written[k] {
			if c > n || (c == n && form < best) {
				best, n = form, c
			}
		}
		return best
	}
	p.Name = display(key)
	if p.Name == key { // the page's name appears only as its variants
		p.Name = name
	}
	for _, k := range keys {
		if k != key && written[k] != nil {
			p.Also = append(p.Also, display(k))
		}
	}
	for _, v := range others {
		p.Others = append(p.Others, Name{Key: v.Key, Display: cmp.Or(display(v.Key), v.Key), Papers: v.Papers})
	}
	p.Coauthors = top(coauthors, 20, display)
	p.Categories = top(categories, 10, func(c string) string { return c })
	return p, nil
}

// included chooses the names an author page of key lists: key itself and,
// when unambiguous, the initials-only forms under its initial key (or,
// for a page of initials, the one full name they can stand for). The
// other variants are returned for the page to link.
func included(key string, variants []store.NameVariant) (keys []string, others []store.NameVariant) {
	firstGiven := func(k string) string {
		g, _ := authorname.Given(k)
		if len(g) == 0 {
			return ""
		}
		return g[0]
	}
	full := map[string]bool{} // first given names written out, among the variants
	for _, v := range variants {
		if !authorname.IsInitials(v.Key) && firstGiven(v.Key) != "" {
			full[firstGiven(v.Key)] = true
		}
	}
	keys = []string{key}
	pageIsInitials := authorname.IsInitials(key)
	for _, v := range variants {
		switch {
		case v.Key == key:
			continue
		case !pageIsInitials && authorname.IsInitials(v.Key) && len(full) == 1 && full[firstGiven(key)]:
			// "A. Lovelace" on the page of "Ada Lovelace": no other
			// Lovelace with a given name starting with A.
			keys = append(keys, v.Key)
		case pageIsInitials && len(full) == 1 && !authorname.IsInitials(v.Key) && len(strings.Fields(v.Key)) == len(strings.Fields(key)):
			// The page of "A. Lovelace" when "Ada Lovelace" is the only
			// full name it can stand for.
			keys = append(keys, v.Key)
		default:
			others = append(others, v)
		}
	}
	return keys, others
}

func top(counts map[string]int, n int, display func(string) string) []Count {
	out := make([]Count, 0, len(counts))
	for k, c := range counts {
		out = append(out, Count{Key: k, Display: display(k), N: c})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Key, b.Key))
	})
	return out[:min(n, len(out))]
}

// Following is a follow as a member sees it.
type Following = store.Follow

// categoryPattern is an arXiv category or archive: cs, cs.LG, hep-th,
// cond-mat.stat-mech, math.AG.
var categoryPattern = regexp.MustCompile(`^[a-z][a-z-]{0,15}(\.[A-Za-z][A-Za-z-]{0,15})?$`)

// followValue checks what a member asks to follow and returns the stored
// value and label.
func (s *Service) followValue(ctx context.Context, kind, raw string) (value, label string, err error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", "", errEmptyValue
	case len(raw) > MaxValueLen:
		return "", "", errLongValue
	case !utf8.ValidString(raw) || strings.ContainsFunc(raw, unicode.IsControl):
		return "", "", errBadText
	}
	switch kind {
	case store.FollowAuthor:
		value = authorname.Key(raw)
		if value == "" {
			return "", "", errEmptyValue
		}
		return value, raw, nil
	case store.FollowCategory:
		if !categoryPattern.MatchString(raw) {
			return "", "", errCategory
		}
		return raw, raw, nil
	case store.FollowTopic:
		if s.Topics == nil {
			return "", "", errNoTopics
		}
		name, ok, err := s.Topics.Topic(ctx, raw)
		if errors.Is(err, ErrNoTopics) {
			return "", "", errNoTopics
		}
		if err != nil {
			return "", "", fmt.Errorf("authors: topic %q: %w", raw, err)
		}
		if !ok {
			return "", "", errNoTopic
		}
		return raw, name, nil
	case store.FollowSearch:
		q := strings.Join(strings.Fields(raw), " ")
		return q, q, nil
	}
	return "", "", errKind
}

// Follow makes the member follow something; following it again changes
// nothing. limit is the caller's rate limit, taken once the request is
// valid.
func (s *Service) Follow(ctx context.Context, m Member, kind, raw string, limit func() error) (store.Follow, error) {
	value, label, err := s.followValue(ctx, kind, raw)
	if err != nil {
		return store.Follow{}, err
	}
	follows, err := s.Store.Follows(ctx, m.ID)
	if err != nil {
		return store.Follow{}, fmt.Errorf("authors: follow: %w", err)
	}
	for _, f := range follows {
		if f.Kind == kind && f.Value == value {
			return f, nil
		}
	}
	if len(follows) >= MaxFollows {
		return store.Follow{}, errTooMany
	}
	if err := limit(); err != nil {
		return store.Follow{}, err
	}
	if _, err := s.Store.Follow(ctx, m.ID, kind, value, label); err != nil {
		return store.Follow{}, fmt.Errorf("authors: follow: %w", err)
	}
	return store.Follow{Kind: kind, Value: value, Label: label}, nil
}

// Unfollow stops the member following something and reports whether they
// did; the value may be written in any form Follow takes.
func (s *Service) Unfollow(ctx context.Context, m Member, kind, raw string, limit func() error) (bool, error) {
	value, _, err := s.followValue(ctx, kind, raw)
	if errors.Is(err, errNoTopics) || errors.Is(err, errNoTopic) {
		// A topic that went away can still be unfollowed.
		value, err = strings.TrimSpace(raw), nil
	}
	if err != nil {
		return false, err
	}
	if err := limit(); err != nil {
		return false, err
	}
	removed, err := s.Store.Unfollow(ctx, m.ID, kind, value)
	if err != nil {
		return false, fmt.Errorf("authors: unfollow: %w", err)
	}
	return removed, nil
}

// Follows returns what the member follows.
func (s *Service) Follows(ctx context.Context, m Member) ([]store.Follow, error) {
	return s.Store.Follows(ctx, m.ID)
}

// IsFollowing reports whether the member follows something (false for a
// value Follow would refuse).
func (s *Service) IsFollowing(ctx context.Context, m Member, kind, raw string) (bool, error) {
	value, _, err := s.followValue(ctx, kind, raw)
	if err != nil {
		return false, nil
	}
	return s.Store.IsFollowing(ctx, m.ID, kind, value)
}

// Claim files the member's claim to be the author at position of a paper.
func (s *Service) Claim(ctx context.Context, m Member, rawID string, position int, limit func() error) (store.Claim, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return store.Claim{}, errNoPaper
	}
	if !m.Verified {
		return store.Claim{}, errUnverified
	}
	paper, err := s.Store.Paper(ctx, id.Base)
	if errors.Is(err, store.ErrNotFound) || (err == nil && paper.Community.Hidden) {
		return store.Claim{}, errNoPaper
	}
	if err != nil {
		return store.Claim{}, fmt.Errorf("authors: claim %s: %w", id.Base, err)
	}
	if position < 0 || position >= len(paper.Authors) {
		return store.Claim{}, errPosition
	}
	pending, err := s.Store.CountPendingClaims(ctx, m.ID)
	if err != nil {
		return store.Claim{}, fmt.Errorf("authors: claim %s: %w", id.Base, err)
	}
	if pending >= MaxPendingClaims {
		return store.Claim{}, errTooManyClaims
	}
	if err := limit(); err != nil {
		return store.Claim{}, err
	}
	c, err := s.Store.ClaimPaper(ctx, m.ID, id.Base, position)
	if err != nil {
		return store.Claim{}, fmt.Errorf("authors: claim %s: %w", id.Base, err)
	}
	return c, nil
}

// Withdraw takes back the member's pending claim of a paper.
func (s *Service) Withdraw(ctx context.Context, m Member, rawID string, limit func() error) (bool, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return false, errNoPaper
	}
	if err := limit(); err != nil {
		return false, err
	}
	return s.Store.WithdrawClaim(ctx, m.ID, id.Base)
}

// PaperClaims returns a paper's verified authors and the viewer's own
// claim (viewer 0: none).
func (s *Service) PaperClaims(ctx context.Context, paperID string, viewer int64) ([]store.Claim, error) {
	return s.Store.PaperClaims(ctx, paperID, viewer)
}

// UserClaims returns the papers a member is a verified author of.
func (s *Service) UserClaims(ctx context.Context, userID int64, limit int) ([]store.Claim, error) {
	return s.Store.UserClaims(ctx, userID, limit)
}

// PendingClaims returns the claims waiting for a moderator.
func (s *Service) PendingClaims(ctx context.Context, m Member, limit int) ([]store.Claim, error) {
	if !m.Moderator {
		return nil, errNotMod
	}
	return s.Store.PendingClaims(ctx, limit)
}

// Decide approves or rejects a pending claim. An approved paper is saved
// to the claimant's library; a failure to save is logged, since the
// decision stands.
func (s *Service) Decide(ctx context.Context, m Member, userID int64, rawID string, approve bool) (store.Claim, error) {
	if !m.Moderator {
		return store.Claim{}, errNotMod
	}
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return store.Claim{}, errNoClaim
	}
	c, err := s.Store.DecideClaim(ctx, userID, id.Base, approve, store.Actor{ID: m.ID, Name: m.Name, Moderator: true})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Claim{}, errNoClaim
	case errors.Is(err, store.ErrClaimTaken):
		return store.Claim{}, errClaimTaken
	case err != nil:
		return store.Claim{}, fmt.Errorf("authors: decide claim: %w", err)
	}
	if approve && s.Library != nil {
		if err := s.Library.Save(ctx, userID, id.Base); err != nil {
			s.log().Warn("saving a claimed paper to the library failed", "user", userID, "paper", id.Base, "err", err)
		}
	}
	return c, nil
}
