// Package library owns a member's personal layer: the papers they save,
// their notes, and their collections (private until made public, then
// shown, fed and upvoted). The web layer parses requests, calls a Service
// and renders what it returns; refusals are problem errors with messages a
// client may read. A private collection is not found by anyone but its
// owner, so that its existence is not revealed.
package library

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what the library reads and writes (*store.Store).
type Store interface {
	SavePaper(ctx context.Context, userID int64, paperID string) (bool, error)
	SavePapers(ctx context.Context, userID int64, paperIDs []string, max int) (int, error)
	UnsavePaper(ctx context.Context, userID int64, paperID string) error
	SetNote(ctx context.Context, userID int64, paperID, note string) error
	SavedAmong(ctx context.Context, userID int64, ids []string) (map[string]bool, error)
	CountSaved(ctx context.Context, userID int64) (int, error)
	Library(ctx context.Context, userID int64, sort store.LibrarySort, limit, offset int) ([]store.SavedPaper, error)

	CreateCollection(ctx context.Context, c store.Collection, max int) (store.Collection, error)
	CollectionBySlug(ctx context.Context, userID int64, slug string) (store.Collection, error)
	Collections(ctx context.Context, userID int64) ([]store.Collection, error)
	CollectionsHolding(ctx context.Context, userID int64, paperID string) (map[string]bool, error)
	UpdateCollection(ctx context.Context, id int64, u store.CollectionUpdate) (store.Collection, error)
	DeleteCollection(ctx context.Context, id int64) error
	AddToCollection(ctx context.Context, id int64, paperIDs []string, max int) (int, error)
	RemoveFromCollection(ctx context.Context, id int64, paperID string) error
	CollectionPapers(ctx context.Context, id int64, sort store.LibrarySort, limit, offset int) ([]store.SavedPaper, error)
	VoteCollection(ctx context.Context, id, userID int64, up bool) (int, error)
	VotedCollection(ctx context.Context, id, userID int64) (bool, error)

	UserByName(ctx context.Context, name string) (store.User, error)
}

// Limits bound what one member keeps. They are counts and characters, as
// people count them, so that the messages say numbers a person recognises.
type Limits struct {
	Collections        int // per member
	PapersInCollection int
	SavedPapers        int // in the library
	NoteChars          int
	NameChars          int
	DescriptionChars   int
}

// DefaultLimits are generous for a person and small enough that one
// account cannot make the database or a page unreasonably large.
var DefaultLimits = Limits{
	Collections:        200,
	PapersInCollection: 10_000,
	SavedPapers:        50_000,
	NoteChars:          5_000,
	NameChars:          100,
	DescriptionChars:   2_000,
}

// Member is the signed-in person who acts.
type Member struct {
	ID   int64
	Name string
	// Verified accounts have confirmed their email address; only they may
	// upvote collections, as only they may upvote papers.
	Verified bool
}

// Service runs the library workflows. Methods that write take a limit,
// called once the request is known to be valid, before anything is
// written: the caller's rate limit for the action.
type Service struct {
	Store  Store
	Limits Limits // DefaultLimits when zero
	// Matcher finds the papers of imported files; nil refuses imports.
	Matcher Matcher
}

// Refusals a client may see.
var (
	errNoPaper      = problem.New(problem.NotFound, "There is no paper with this id.")
	errNoCollection = problem.New(problem.NotFound, "There is no such collection.")
	errNoName       = problem.New(problem.Invalid, "A collection needs a name.")
	errOwnVote      = problem.New(problem.Forbidden, "You cannot upvote your own collection.")
	errUnverified   = problem.New(problem.Forbidden, "Confirm your email address first; /settings can send a new link.")
	errBadText      = problem.New(problem.Invalid, "That holds characters that are not allowed (NUL or invalid UTF-8).")
)

func (s *Service) limits() Limits {
	if s.Limits == (Limits{}) {
		return DefaultLimits
	}
	return s.Limits
}

// paperID parses an arXiv id or URL into its versionless form.
func paperID(raw string) (string, error) {
	id, err := arxiv.ParseID(raw)
	if err != nil {
		return "", errNoPaper
	}
	return id.Base, nil
}

// refusal turns the store's refusals into problems a client may see,
// keeping err as the cause for the log.
func refusal(err error, notFound *problem.Error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return problem.Wrap(err, notFound.Kind, notFound.Message)
	case errors.Is(err, store.ErrInvalidText):
		return problem.Wrap(err, errBadText.Kind, errBadText.Message)
	}
	return err
}

// Save puts a paper in the member's library and returns its id.
func (s *Service) Save(ctx context.Context, m Member, rawID string, limit func() error) (string, error) {
	id, err := paperID(rawID)
	if err != nil {
		return "", err
	}
	if err := limit(); err != nil {
		return "", err
	}
	if err := s.roomInLibrary(ctx, m, 1); err != nil {
		return "", err
	}
	_, err = s.Store.SavePaper(ctx, m.ID, id)
	return id, refusal(err, errNoPaper)
}

func (s *Service) roomInLibrary(ctx context.Context, m Member, more int) error {
	n, err := s.Store.CountSaved(ctx, m.ID)
	if err != nil {
		return err
	}
	if max := s.limits().SavedPapers; n+more > max {
		return problem.New(problem.Unprocessable, fmt.Sprintf("Your library holds %d papers, the most it may; remove some to save more.", max))
	}
	return nil
}

// Unsave takes a paper out of the member's library and their collections.
func (s *Service) Unsave(ctx context.Context, m Member, rawID string, limit func() error) (string, error) {
	id, err := paperID(rawID)
	if err != nil {
		return "", err
	}
	if err := limit(); err != nil {
		return "", err
	}
	return id, s.Store.UnsavePaper(ctx, m.ID, id)
}

// SetNote sets the member's note on a paper, saving it if need be. An
// empty note removes it.
func (s *Service) SetNote(ctx context.Context, m Member, rawID, note string, limit func() error) (string, error) {
	id, err := paperID(rawID)
	if err != nil {
		return "", err
	}
	note = strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
	if n, max := utf8.RuneCountInString(note), s.limits().NoteChars; n > max {
		return "", problem.New(problem.Invalid, fmt.Sprintf("A note may be at most %d characters; this one has %d.", max, n))
	}
	if err := limit(); err != nil {
		return "", err
	}
	return id, refusal(s.Store.SetNote(ctx, m.ID, id, note), errNoPaper)
}

// SavedAmong returns which of the ids the member has saved.
func (s *Service) SavedAmong(ctx context.Context, m Member, ids []string) (map[string]bool, error) {
	return s.Store.SavedAmong(ctx, m.ID, ids)
}

// ParseSort reads a sort's name; anything unknown is the default, date
// saved.
func ParseSort(name string) store.LibrarySort {
	switch store.LibrarySort(name) {
	case store.SortPaperDate, store.SortTitle:
		return store.LibrarySort(name)
	}
	return store.SortSaved
}

// Library returns a page of the member's saved papers and how many they
// have in all.
func (s *Service) Library(ctx context.Context, m Member, sort store.LibrarySort, limit, offset int) ([]store.SavedPaper, int, error) {
	total, err := s.Store.CountSaved(ctx, m.ID)
	if err != nil {
		return nil, 0, err
	}
	papers, err := s.Store.Library(ctx, m.ID, sort, limit, offset)
	return papers, total, err
}

// Slug makes a collection's address from its name: lower-case ASCII
// letters and digits joined by single hyphens, accents dropped, at most
// 60 bytes; "collection" when nothing is left.
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(name) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r):
			// a combining accent of the letter before it
		default:
			hyphen = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if len(slug) > 60 {
		slug = strings.TrimRight(slug[:60], "-")
	}
	if slug == "" {
		return "collection"
	}
	return slug
}

// ValidSlug reports whether s could be a slug Slug made, so that hostile
// addresses are turned away before they reach the store.
func ValidSlug(s string) bool {
	if s == "" || len(s) > 70 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Service) checkName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", errNoName
	}
	if n, max := utf8.RuneCountInString(name), s.limits().NameChars; n > max {
		return "", problem.New(problem.Invalid, fmt.Sprintf("A collection's name may be at most %d characters; this one has %d.", max, n))
	}
	return name, nil
}

func (s *Service) checkDescription(d string) (string, error) {
	d = strings.TrimSpace(strings.ReplaceAll(d, "\r\n", "\n"))
	if n, max := utf8.RuneCountInString(d), s.limits().DescriptionChars; n > max {
		return "", problem.New(problem.Invalid, fmt.Sprintf("A description may be at most %d characters; this one has %d.", max, n))
	}
	return d, nil
}

// NewCollection is what a member asks for when creating a collection.
type NewCollection struct {
	Name        string
	Description string
	Private     bool
}

// Create makes a collection for the member, its slug made from the name
// (with -2, -3, ... when the member has one with that slug already).
func (s *Service) Create(ctx context.Context, m Member, in NewCollection, limit func() error) (store.Collection, error) {
	name, err := s.checkName(in.Name)
	if err != nil {
		return store.Collection{}, err
	}
	desc, err := s.checkDescription(in.Description)
	if err != nil {
		return store.Collection{}, err
	}
	if err := limit(); err != nil {
		return store.Collection{}, err
	}
	base := Slug(name)
	max := s.limits().Collections
	for i := 1; i <= max+1; i++ {
		slug := base
		if i > 1 {
			slug = base + "-" + strconv.Itoa(i)
		}
		c, err := s.Store.CreateCollection(ctx, store.Collection{UserID: m.ID, Slug: slug, Name: name, Description: desc, Private: in.Private}, max)
		switch {
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrLimit):
			return store.Collection{}, problem.Wrap(err, problem.Unprocessable,
				fmt.Sprintf("You have %d collections, the most you may; delete one to make another.", max))
		}
		return c, refusal(err, errNoCollection)
	}
	return store.Collection{}, fmt.Errorf("library: no free slug for %q of user %d", base, m.ID)
}

// Collections returns the member's collections by name.
func (s *Service) Collections(ctx context.Context, m Member) ([]store.Collection, error) {
	return s.Store.Collections(ctx, m.ID)
}

// CollectionsHolding returns the slugs of the member's collections that
// hold the paper.
func (s *Service) CollectionsHolding(ctx context.Context, m Member, paperID string) (map[string]bool, error) {
	return s.Store.CollectionsHolding(ctx, m.ID, paperID)
}

// Own returns the member's collection with the slug.
func (s *Service) Own(ctx context.Context, m Member, slug string) (store.Collection, error) {
	if !ValidSlug(slug) {
		return store.Collection{}, errNoCollection
	}
	c, err := s.Store.CollectionBySlug(ctx, m.ID, slug)
	return c, refusal(err, errNoCollection)
}

// View returns the collection of owner with the slug as viewer (nil when
// signed out) may see it: a private collection is not found by anyone but
// its owner.
func (s *Service) View(ctx context.Context, viewer *Member, owner, slug string) (store.Collection, error) {
	if !ValidSlug(slug) || owner == "" {
		return store.Collection{}, errNoCollection
	}
	u, err := s.Store.UserByName(ctx, owner)
	if err != nil {
		return store.Collection{}, refusal(err, errNoCollection)
	}
	c, err := s.Store.CollectionBySlug(ctx, u.ID, slug)
	if err != nil {
		return store.Collection{}, refusal(err, errNoCollection)
	}
	if c.Private && (viewer == nil || viewer.ID != c.UserID) {
		return store.Collection{}, errNoCollection
	}
	return c, nil
}

// Public returns the public collections of owner, for their profile.
func (s *Service) Public(ctx context.Context, owner int64) ([]store.Collection, error) {
	all, err := s.Store.Collections(ctx, owner)
	if err != nil {
		return nil, err
	}
	public := all[:0]
	for _, c := range all {
		if !c.Private {
			public = append(public, c)
		}
	}
	return public, nil
}

// Update is a change to a collection: the fields that are not nil.
type Update struct {
	Name        *string
	Description *string
	Private     *bool
}

// Update renames, describes or makes public or private the member's
// collection. Its slug stays, so links to it keep working.
func (s *Service) Update(ctx context.Context, m Member, slug string, u Update, limit func() error) (store.Collection, error) {
	var su store.CollectionUpdate
	if u.Name != nil {
		name, err := s.checkName(*u.Name)
		if err != nil {
			return store.Collection{}, err
		}
		su.Name = &name
	}
	if u.Description != nil {
		d, err := s.checkDescription(*u.Description)
		if err != nil {
			return store.Collection{}, err
		}
		su.Description = &d
	}
	su.Private = u.Private
	c, err := s.Own(ctx, m, slug)
	if err != nil {
		return store.Collection{}, err
	}
	if err := limit(); err != nil {
		return store.Collection{}, err
	}
	c, err = s.Store.UpdateCollection(ctx, c.ID, su)
	return c, refusal(err, errNoCollection)
}

// Delete deletes the member's collection; its papers stay in the library.
func (s *Service) Delete(ctx context.Context, m Member, slug string, limit func() error) error {
	c, err := s.Own(ctx, m, slug)
	if err != nil {
		return err
	}
	if err := limit(); err != nil {
		return err
	}
	return s.Store.DeleteCollection(ctx, c.ID)
}

// AddResult says what adding papers to a collection did.
type AddResult struct {
	IDs   []string // the versionless ids asked for, without repeats
	Added int      // new to the collection
}

// Add adds papers (arXiv ids or URLs) to the member's collection, and to
// their library, in one transaction: all or none. An id that is not an
// arXiv id, or a paper paperboy does not have, refuses the lot, naming it.
// Importers call it with the papers they matched.
func (s *Service) Add(ctx context.Context, m Member, slug string, rawIDs []string, limit func() error) (AddResult, error) {
	c, err := s.Own(ctx, m, slug)
	if err != nil {
		return AddResult{}, err
	}
	seen := make(map[string]bool, len(rawIDs))
	var res AddResult
	for _, raw := range rawIDs {
		id, err := arxiv.ParseID(raw)
		if err != nil {
			return AddResult{}, problem.New(problem.Invalid, fmt.Sprintf("%.80q is not an arXiv id.", raw))
		}
		if !seen[id.Base] {
			seen[id.Base] = true
			res.IDs = append(res.IDs, id.Base)
		}
	}
	if len(res.IDs) == 0 {
		return res, nil
	}
	if err := limit(); err != nil {
		return AddResult{}, err
	}
	max := s.limits().PapersInCollection
	res.Added, err = s.Store.AddToCollection(ctx, c.ID, res.IDs, max)
	switch {
	case errors.Is(err, store.ErrLimit):
		return AddResult{}, problem.Wrap(err, problem.Unprocessable,
			fmt.Sprintf("A collection may hold at most %d papers; %q has %d.", max, c.Name, c.Count))
	}
	var unknown *store.UnknownPaperError
	if errors.As(err, &unknown) {
		return AddResult{}, problem.Wrap(err, problem.NotFound, "There is no paper "+unknown.ID+" that paperboy knows of.")
	}
	return res, refusal(err, errNoPaper)
}

// Remove takes a paper out of the member's collection.
func (s *Service) Remove(ctx context.Context, m Member, slug, rawID string, limit func() error) error {
	id, err := paperID(rawID)
	if err != nil {
		return err
	}
	c, err := s.Own(ctx, m, slug)
	if err != nil {
		return err
	}
	if err := limit(); err != nil {
		return err
	}
	return s.Store.RemoveFromCollection(ctx, c.ID, id)
}

// Papers returns a page of a collection's papers with the owner's notes.
// The caller has the collection from Own or View, which checked who may
// see it.
func (s *Service) Papers(ctx context.Context, c store.Collection, sort store.LibrarySort, limit, offset int) ([]store.SavedPaper, error) {
	return s.Store.CollectionPapers(ctx, c.ID, sort, limit, offset)
}

// Upvote sets the member's upvote of another member's public collection
// and returns its upvotes.
func (s *Service) Upvote(ctx context.Context, m Member, owner, slug string, up bool, limit func() error) (int, error) {
	c, err := s.View(ctx, &m, owner, slug)
	if err != nil {
		return 0, err
	}
	if c.UserID == m.ID {
		return 0, errOwnVote
	}
	if !m.Verified {
		return 0, errUnverified
	}
	if err := limit(); err != nil {
		return 0, err
	}
	return s.Store.VoteCollection(ctx, c.ID, m.ID, up)
}

// Voted reports whether the member upvoted the collection.
func (s *Service) Voted(ctx context.Context, m Member, c store.Collection) (bool, error) {
	return s.Store.VotedCollection(ctx, c.ID, m.ID)
}
