package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// apiCollection is a collection in the API; Papers only where one
// collection is asked for.
type apiCollection struct {
	Slug        string          `json:"slug"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Private     bool            `json:"private"`
	Owner       string          `json:"owner"`
	URL         string          `json:"url"`
	Count       int             `json:"count"`
	Upvotes     int             `json:"upvotes"`
	CreatedAt   time.Time       `json:"createdAt"`
	UpdatedAt   time.Time       `json:"updatedAt"`
	Papers      *[]apiSavedItem `json:"papers,omitempty"`
}

// apiSavedItem is a paper of a library or collection: Hugging Face's
// paper object (as /api/papers/{id} sends it) with the owner's note.
type apiSavedItem struct {
	apiPaper
	Note    string    `json:"note"`
	SavedAt time.Time `json:"savedAt"`
}

func (s *Server) toAPICollection(c store.Collection) apiCollection {
	return apiCollection{
		Slug: c.Slug, Name: c.Name, Description: c.Description, Private: c.Private, Owner: c.Owner,
		URL: s.baseURL + collectionPath(c), Count: c.Count, Upvotes: c.Upvotes, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

func toAPISaved(papers []store.SavedPaper) []apiSavedItem {
	out := make([]apiSavedItem, len(papers))
	for i := range papers {
		out[i] = apiSavedItem{apiPaper: toAPIPaper(&papers[i].Paper), Note: papers[i].Note, SavedAt: papers[i].SavedAt}
	}
	return out
}

// Pages of the API's lists: a collection may hold 10,000 papers, all of
// which one request may ask for.
const (
	apiLibraryDefault = 1000
	apiLibraryMax     = 10_000
)

// apiPageOf reads limit and offset.
func apiPageOf(r *http.Request) (limit, offset int, err error) {
	limit, offset = apiLibraryDefault, 0
	if v := r.FormValue("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > apiLibraryMax {
			return 0, 0, errBadRequest("limit: want a number from 1 to 10000")
		}
	}
	if v := r.FormValue("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 || offset > 1_000_000 {
			return 0, 0, errBadRequest("offset: want a number from 0")
		}
	}
	return limit, offset, nil
}

func noContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func writePrivateJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, v)
}

// apiLibrary serves GET /api/library: the viewer's saved papers.
func (s *Server) apiLibrary(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	limit, offset, err := apiPageOf(r)
	if err != nil {
		return err
	}
	papers, total, err := s.library.Library(r.Context(), libraryMember(v), library.ParseSort(r.FormValue("sort")), limit, offset)
	if err != nil {
		return err
	}
	writePrivateJSON(w, http.StatusOK, map[string]any{"total": total, "papers": toAPISaved(papers)})
	return nil
}

// apiSave serves PUT /api/library/{id}: idempotent; a JSON body
// {"note": "..."} sets the note as well.
func (s *Server) apiSave(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var in struct {
		Note *string `json:"note"`
	}
	if r.ContentLength != 0 && r.Header.Get("Content-Type") != "" {
		if err := readJSON(r, &in); err != nil {
			return err
		}
	}
	m, limit := libraryMember(v), s.limitLibrary(r, v)
	var err error
	if in.Note != nil {
		_, err = s.library.SetNote(r.Context(), m, r.PathValue("id"), *in.Note, limit)
	} else {
		_, err = s.library.Save(r.Context(), m, r.PathValue("id"), limit)
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) apiUnsave(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	if _, err := s.library.Unsave(r.Context(), libraryMember(v), r.PathValue("id"), s.limitLibrary(r, v)); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) apiCollections(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	cols, err := s.library.Collections(r.Context(), libraryMember(v))
	if err != nil {
		return err
	}
	s.writeCollections(w, cols)
	return nil
}

func (s *Server) apiCreateCollection(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Private     *bool  `json:"private"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.library.Create(r.Context(), libraryMember(v), library.NewCollection{
		Name: in.Name, Description: in.Description, Private: in.Private == nil || *in.Private,
	}, s.limitLibrary(r, v))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/collections/"+c.Slug)
	writePrivateJSON(w, http.StatusCreated, s.toAPICollection(c))
	return nil
}

// writeCollection answers with a collection and a page of its papers.
func (s *Server) writeCollection(w http.ResponseWriter, r *http.Request, c store.Collection) error {
	limit, offset, err := apiPageOf(r)
	if err != nil {
		return err
	}
	papers, err := s.library.Papers(r.Context(), c, library.ParseSort(r.FormValue("sort")), limit, offset)
	if err != nil {
		return err
	}
	out := s.toAPICollection(c)
	items := toAPISaved(papers)
	out.Papers = &items
	writePrivateJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiCollection(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	c, err := s.library.Own(r.Context(), libraryMember(v), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.writeCollection(w, r, c)
}

func (s *Server) apiUpdateCollection(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Private     *bool   `json:"private"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.library.Update(r.Context(), libraryMember(v), r.PathValue("slug"),
		library.Update{Name: in.Name, Description: in.Description, Private: in.Private}, s.limitLibrary(r, v))
	if err != nil {
		return err
	}
	writePrivateJSON(w, http.StatusOK, s.toAPICollection(c))
	return nil
}

func (s *Server) apiDeleteCollection(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	if err := s.library.Delete(r.Context(), libraryMember(v), r.PathValue("slug"), s.limitLibrary(r, v)); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// apiCollectionPaper serves PUT and DELETE
// /api/collections/{slug}/papers/{id}: idempotent, 204.
func (s *Server) apiCollectionPaper(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	m, limit, slug, id := libraryMember(v), s.limitLibrary(r, v), r.PathValue("slug"), r.PathValue("id")
	var err error
	if r.Method == http.MethodPut {
		_, err = s.library.Add(r.Context(), m, slug, []string{id}, limit)
	} else {
		err = s.library.Remove(r.Context(), m, slug, id, limit)
	}
	if err != nil {
		return err
	}
	noContent(w)
	return nil
}

// apiPublicCollections serves GET /api/users/{user}/collections: the
// public ones, and the private ones too for their owner.
func (s *Server) apiPublicCollections(w http.ResponseWriter, r *http.Request) error {
	ctx, viewer := r.Context(), viewingMember(r)
	u, err := s.library.Store.UserByName(ctx, r.PathValue("user"))
	if err != nil {
		if isNotFound(err) {
			return errNotFound("There is no such user.")
		}
		return err
	}
	var cols []store.Collection
	if viewer != nil && viewer.ID == u.ID {
		cols, err = s.library.Collections(ctx, *viewer)
	} else {
		cols, err = s.library.Public(ctx, u.ID)
	}
	if err != nil {
		return err
	}
	s.writeCollections(w, cols)
	return nil
}

func (s *Server) apiPublicCollection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.library.View(r.Context(), viewingMember(r), r.PathValue("user"), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.writeCollection(w, r, c)
}

func (s *Server) apiCollectionUpvote(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	up := r.Method == http.MethodPut
	n, err := s.library.Upvote(r.Context(), libraryMember(v), r.PathValue("user"), r.PathValue("slug"), up, s.limitMember(r, "vote", v))
	if err != nil {
		return err
	}
	writePrivateJSON(w, http.StatusOK, map[string]any{"upvotes": n, "voted": up})
	return nil
}

// writeCollections answers a list of collections; private, as it may hold
// the viewer's own.
func (s *Server) writeCollections(w http.ResponseWriter, cols []store.Collection) {
	out := make([]apiCollection, len(cols))
	for i, c := range cols {
		out[i] = s.toAPICollection(c)
	}
	writePrivateJSON(w, http.StatusOK, out)
}
