package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Library is what saved papers and collections read and write
// (*store.Store): the library service's store, and the lookups that
// match an imported file's entries to papers.
type Library interface {
	library.Store
	citation.Lookup
}

// librarySize is the number of papers a library or collection page shows.
const librarySize = 50

func (s *Server) libraryRoutes() {
	if s.library == nil {
		return
	}
	s.handle("GET /library", s.libraryPage)
	s.handle("POST /library/save", s.saveForm)
	s.handle("POST /library/note", s.noteForm)
	s.handle("POST /collections", s.createCollectionForm)
	s.handle("GET /c/{user}/{slug}", s.collectionPage)
	s.handle("GET /c/{user}/{slug}/{file}", s.collectionFeed)
	s.handle("POST /c/{user}/{slug}/{action}", s.collectionAction)

	s.handle("GET /api/library", s.apiLibrary)
	s.handle("PUT /api/library/{id...}", s.apiSave)
	s.handle("DELETE /api/library/{id...}", s.apiUnsave)
	s.handle("GET /api/collections", s.apiCollections)
	s.handle("POST /api/collections", s.apiCreateCollection)
	s.handle("GET /api/collections/{slug}", s.apiCollection)
	s.handle("PATCH /api/collections/{slug}", s.apiUpdateCollection)
	s.handle("DELETE /api/collections/{slug}", s.apiDeleteCollection)
	s.handle("PUT /api/collections/{slug}/papers/{id...}", s.apiCollectionPaper)
	s.handle("DELETE /api/collections/{slug}/papers/{id...}", s.apiCollectionPaper)
	s.handle("GET /api/users/{user}/collections", s.apiPublicCollections)
	s.handle("GET /api/users/{user}/collections/{slug}", s.apiPublicCollection)
	s.handle("PUT /api/users/{user}/collections/{slug}/upvote", s.apiCollectionUpvote)
	s.handle("DELETE /api/users/{user}/collections/{slug}/upvote", s.apiCollectionUpvote)
	s.transferRoutes() // import and export: library_transfer.go
}

// uncachedPath reports whether a path shows collections: they change
// without a change-feed entry (the response cache's version), and a
// collection made private must vanish at once, so these pages are never
// kept in the shared response cache (respcache.go).
func uncachedPath(p string) bool {
	return strings.HasPrefix(p, "/c/") || strings.HasPrefix(p, "/api/users/") ||
		p == "/library" || strings.HasPrefix(p, "/library/") ||
		strings.HasPrefix(p, "/api/collections") || strings.HasPrefix(p, "/api/library") || forYouPath(p)
}

// libraryMember is the viewer as the library service knows them.
func libraryMember(v *Viewer) library.Member {
	return library.Member{ID: v.ID, Name: v.Name, Verified: v.Verified}
}

func (s *Server) limitLibrary(r *http.Request, v *Viewer) func() error {
	return s.limitMember(r, "library", v)
}

// markSaved sets Saved on the cards the signed-in viewer saved, and
// CanSave on all of them when there is a library.
func (s *Server) markSaved(r *http.Request, cards []card) error {
	if s.library == nil || len(cards) == 0 {
		return nil
	}
	for i := range cards {
		cards[i].CanSave = true
	}
	v := viewerFrom(r.Context())
	if v == nil {
		return nil
	}
	ids := make([]string, len(cards))
	for i := range cards {
		ids[i] = cards[i].ID
	}
	saved, err := s.library.SavedAmong(r.Context(), libraryMember(v), ids)
	if err != nil {
		return err
	}
	for i := range cards {
		cards[i].Saved = saved[cards[i].ID]
	}
	return nil
}

// paperLibrary is the library part of a paper's page.
type paperLibrary struct {
	ID          string
	CanSave     bool
	Saved       bool
	SignedIn    bool
	Collections []collectionChoice // the viewer's
}

// SaveFor is the id of what names the paper, for the Save button's
// description: the page's title.
func (*paperLibrary) SaveFor() string { return "title" }

// SaveFor is the id of what names the card's paper: its heading.
func (c card) SaveFor() string { return "t-" + c.ID }

type collectionChoice struct {
	Slug, Name string
	Holds      bool
}

func (s *Server) paperLibrary(r *http.Request, p *store.Paper) (*paperLibrary, error) {
	if s.library == nil {
		return nil, nil
	}
	pl := &paperLibrary{ID: p.ID, CanSave: true}
	v := viewerFrom(r.Context())
	if v == nil {
		return pl, nil
	}
	m := libraryMember(v)
	saved, err := s.library.SavedAmong(r.Context(), m, []string{p.ID})
	if err != nil {
		return nil, err
	}
	pl.Saved, pl.SignedIn = saved[p.ID], true
	cols, err := s.library.Collections(r.Context(), m)
	if err != nil {
		return nil, err
	}
	holding, err := s.library.CollectionsHolding(r.Context(), m, p.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		pl.Collections = append(pl.Collections, collectionChoice{Slug: c.Slug, Name: c.Name, Holds: holding[c.Slug]})
	}
	return pl, nil
}

// --- forms ---------------------------------------------------------------

// saveForm serves the Save buttons without JavaScript: action=save or
// unsave; with collection=SLUG (or new_collection=NAME, made first) the
// paper goes into that collection too. Then back to the page.
func (s *Server) saveForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	ctx, m, limit := r.Context(), libraryMember(v), s.limitLibrary(r, v)
	raw := r.PostFormValue("paper")
	var id string
	var err error
	if r.PostFormValue("action") == "unsave" {
		id, err = s.library.Unsave(ctx, m, raw, limit)
	} else {
		id, err = s.library.Save(ctx, m, raw, limit)
		slug := r.PostFormValue("collection")
		if name := strings.TrimSpace(r.PostFormValue("new_collection")); err == nil && name != "" {
			var c store.Collection
			c, err = s.library.Create(ctx, m, library.NewCollection{Name: name, Private: true}, limit)
			slug = c.Slug
		}
		if err == nil && slug != "" {
			_, err = s.library.Add(ctx, m, slug, []string{id}, limit)
		}
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/papers/"+id), http.StatusSeeOther)
	return nil
}

func (s *Server) noteForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	id, err := s.library.SetNote(r.Context(), libraryMember(v), r.PostFormValue("paper"), r.PostFormValue("note"), s.limitLibrary(r, v))
	if err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/library")+"#p-"+id, http.StatusSeeOther)
	return nil
}

func (s *Server) createCollectionForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	c, err := s.library.Create(r.Context(), libraryMember(v), library.NewCollection{
		Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Private: r.PostFormValue("public") == "",
	}, s.limitLibrary(r, v))
	if err != nil {
		return err
	}
	http.Redirect(w, r, collectionPath(c), http.StatusSeeOther)
	return nil
}

func collectionPath(c store.Collection) string {
	return "/c/" + url.PathEscape(c.Owner) + "/" + c.Slug
}

// collectionAction serves the forms of a collection's page: the owner's
// edit, delete and remove, and others' upvote.
func (s *Server) collectionAction(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	ctx, m, limit := r.Context(), libraryMember(v), s.limitLibrary(r, v)
	owner, slug := r.PathValue("user"), r.PathValue("slug")
	if r.PathValue("action") == "upvote" {
		if _, err := s.library.Upvote(ctx, m, owner, slug, r.PostFormValue("vote") != "down", s.limitMember(r, "vote", v)); err != nil {
			return err
		}
		http.Redirect(w, r, "/c/"+url.PathEscape(owner)+"/"+slug, http.StatusSeeOther)
		return nil
	}
	if !strings.EqualFold(owner, v.Name) {
		return errNotFound("There is no such collection.")
	}
	var err error
	switch r.PathValue("action") {
	case "edit":
		name, desc, private := r.PostFormValue("name"), r.PostFormValue("description"), r.PostFormValue("public") == ""
		_, err = s.library.Update(ctx, m, slug, library.Update{Name: &name, Description: &desc, Private: &private}, limit)
	case "delete":
		if err = s.library.Delete(ctx, m, slug, limit); err == nil {
			http.Redirect(w, r, "/library", http.StatusSeeOther)
			return nil
		}
	case "remove":
		err = s.library.Remove(ctx, m, slug, r.PostFormValue("paper"), limit)
	default:
		return errNotFound("There is no page at this address.")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/c/"+url.PathEscape(v.Name)+"/"+slug, http.StatusSeeOther)
	return nil
}

// --- pages ---------------------------------------------------------------

type libraryPage struct {
	Page
	Sort        string
	Sorts       []sortChoice
	Papers      []savedCard
	Total       int
	PageNo      int
	Prev, Next  string
	Collections []store.Collection
	Limits      library.Limits
	Exports     []exportLink
}

type sortChoice struct{ Value, Label string }

var librarySorts = []sortChoice{{"saved", "Date saved"}, {"date", "Paper date"}, {"title", "Title"}}

// savedCard is a saved paper as a library or collection page shows it.
type savedCard struct {
	card
	Note    string
	SavedAt time.Time
}

func (s *Server) savedCards(r *http.Request, papers []store.SavedPaper) ([]savedCard, error) {
	cards := make([]card, len(papers))
	for i := range papers {
		cards[i] = toCard(&papers[i].Paper)
	}
	if err := s.markVoted(r, cards); err != nil {
		return nil, err
	}
	out := make([]savedCard, len(papers))
	for i := range papers {
		out[i] = savedCard{card: cards[i], Note: papers[i].Note, SavedAt: papers[i].SavedAt}
	}
	return out, nil
}

func (s *Server) libraryPage(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	ctx, m := r.Context(), libraryMember(v)
	sort := library.ParseSort(r.FormValue("sort"))
	n, err := pageNumber(r)
	if err != nil {
		return err
	}
	papers, total, err := s.library.Library(ctx, m, sort, librarySize, (n-1)*librarySize)
	if err != nil {
		return err
	}
	cards, err := s.savedCards(r, papers)
	if err != nil {
		return err
	}
	cols, err := s.library.Collections(ctx, m)
	if err != nil {
		return err
	}
	lp := &libraryPage{
		Page: Page{Title: "Your library", Nav: "library", NoIndex: true},
		Sort: string(sort), Sorts: librarySorts, Papers: cards, Total: total, PageNo: n,
		Collections: cols, Limits: library.DefaultLimits, Exports: exportLinks("/api/library/export"),
	}
	if n > 1 {
		lp.Prev = pageURL(r, n-1)
	}
	if n*librarySize < total {
		lp.Next = pageURL(r, n+1)
	}
	return s.render(w, r, "library.html", lp)
}

type collectionPage struct {
	Page
	C          store.Collection
	Mine       bool
	Voted      bool
	ShareURL   string
	Sort       string
	Sorts      []sortChoice
	Papers     []savedCard
	PageNo     int
	Prev, Next string
	Limits     library.Limits
	Exports    []exportLink
}

// viewingMember is the signed-in viewer as a library member, nil when
// signed out.
func viewingMember(r *http.Request) *library.Member {
	v := viewerFrom(r.Context())
	if v == nil {
		return nil
	}
	m := libraryMember(v)
	return &m
}

func (s *Server) collectionPage(w http.ResponseWriter, r *http.Request) error {
	ctx, viewer := r.Context(), viewingMember(r)
	c, err := s.library.View(ctx, viewer, r.PathValue("user"), r.PathValue("slug"))
	if err != nil {
		return err
	}
	sort := library.ParseSort(r.FormValue("sort"))
	n, err := pageNumber(r)
	if err != nil {
		return err
	}
	papers, err := s.library.Papers(ctx, c, sort, librarySize, (n-1)*librarySize)
	if err != nil {
		return err
	}
	cards, err := s.savedCards(r, papers)
	if err != nil {
		return err
	}
	path := collectionPath(c)
	cp := &collectionPage{
		Page: Page{
			Title: c.Name, Description: c.Description, Canonical: path, NoIndex: c.Private,
		},
		C: c, Mine: viewer != nil && viewer.ID == c.UserID, Sort: string(sort), Sorts: collectionSorts,
		Papers: cards, PageNo: n, Limits: library.DefaultLimits,
		Exports: exportLinks("/api/users/" + url.PathEscape(c.Owner) + "/collections/" + c.Slug + "/export"),
	}
	if !c.Private {
		cp.ShareURL = s.baseURL + path
		cp.Feeds = []feedLink{
			{Title: c.Name + " (RSS)", Href: path + "/feed.rss"},
			{Title: c.Name + " (Atom)", Href: path + "/feed.atom", Atom: true},
		}
	}
	if viewer != nil && !cp.Mine {
		if cp.Voted, err = s.library.Voted(ctx, *viewer, c); err != nil {
			return err
		}
	}
	if n > 1 {
		cp.Prev = pageURL(r, n-1)
	}
	if n*librarySize < c.Count {
		cp.Next = pageURL(r, n+1)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	return s.render(w, r, "collection.html", cp)
}

var collectionSorts = []sortChoice{{"saved", "Order added"}, {"date", "Paper date"}, {"title", "Title"}}

// collectionFeed serves /c/{user}/{slug}/feed.rss and feed.atom: the papers
// most recently added, for public collections (and their owner).
func (s *Server) collectionFeed(w http.ResponseWriter, r *http.Request) error {
	format, ok := map[string]string{"feed.rss": "rss", "feed.atom": "atom"}[r.PathValue("file")]
	if !ok {
		return errNotFound("There is no page at this address.")
	}
	ctx := r.Context()
	c, err := s.library.View(ctx, viewingMember(r), r.PathValue("user"), r.PathValue("slug"))
	if err != nil {
		return err
	}
	saved, err := s.library.Papers(ctx, c, store.SortRecent, feedSize, 0)
	if err != nil {
		return err
	}
	papers := make([]store.Paper, len(saved))
	for i := range saved {
		papers[i] = saved[i].Paper
	}
	title := "paperboy: " + c.Name + " by " + c.Owner
	link := s.baseURL + collectionPath(c)
	self := s.baseURL + r.URL.RequestURI()
	updated := c.UpdatedAt
	setLastModified(w, updated)
	w.Header().Set("Cache-Control", "no-cache")
	if format == "rss" {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		return writeXML(w, rssFeed(title, link, self, updated, s.baseURL, papers))
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	return writeXML(w, atomFeed(title, link, self, updated, s.baseURL, papers))
}

// librarySaver saves the papers of approved authorship claims through the
// library's rules (room left in the library); with no library it skips.
type librarySaver struct{ lib *library.Service }

func (l librarySaver) Save(ctx context.Context, userID int64, paperID string) error {
	if l.lib == nil {
		return nil
	}
	_, err := l.lib.Save(ctx, library.Member{ID: userID, Verified: true}, paperID, func() error { return nil })
	return err
}
