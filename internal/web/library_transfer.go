package web

import (
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Import and export of libraries and collections: reference-manager files
// (BibTeX, RIS, CSL-JSON, lists of ids) in, BibTeX, RIS and CSL-JSON out.
// The request bodies are bounded by maxImportBody (body.go).
func (s *Server) transferRoutes() {
	s.handle("POST /library/import", s.importForm)
	s.handle("POST /api/library/import", s.apiImport)
	s.handle("POST /api/collections/{slug}/import", s.apiImport)
	s.handle("GET /api/library/export", s.apiExportLibrary)
	s.handle("GET /api/collections/{slug}/export", s.apiExportCollection)
	s.handle("GET /api/users/{user}/collections/{slug}/export", s.apiExportPublic)
}

// apiImportReport is an import's answer: the papers added, matched in
// paperboy and fetched from arXiv, and the entries that named no paper.
type apiImportReport struct {
	Collection string               `json:"collection,omitempty"`
	Added      int                  `json:"added"`
	Papers     []string             `json:"papers"`
	Matched    []string             `json:"matched"`
	Fetched    []string             `json:"fetched"`
	Unmatched  []citation.Unmatched `json:"unmatched"`
	Duplicates int                  `json:"duplicates"`
}

func toAPIImport(rep library.ImportReport) apiImportReport {
	out := apiImportReport{
		Collection: rep.Collection, Added: rep.Added, Papers: rep.Papers, Matched: rep.Matched,
		Fetched: rep.Fetched, Unmatched: rep.Unmatched, Duplicates: rep.Duplicates,
	}
	// Empty lists are [], never null, for clients that index them.
	for _, ids := range []*[]string{&out.Papers, &out.Matched, &out.Fetched} {
		if *ids == nil {
			*ids = []string{}
		}
	}
	if out.Unmatched == nil {
		out.Unmatched = []citation.Unmatched{}
	}
	return out
}

// apiImport serves POST /api/library/import and
// /api/collections/{slug}/import: the body is the file, its format named
// by ?format=, else by its media type, else guessed from its first lines.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	f, err := importFormat(r.FormValue("format"), r.Header.Get("Content-Type"), "")
	if err != nil {
		return err
	}
	rep, err := s.library.Import(r.Context(), libraryMember(v), r.PathValue("slug"), f, r.Body, s.limitLibrary(r, v))
	if err != nil {
		return err
	}
	writePrivateJSON(w, http.StatusOK, toAPIImport(rep))
	return nil
}

// importFormat is the format an import is read as: the one named (a form's
// or query's "format"; "auto" or "" for none), else the one the media type
// or file name names, else "" for citation.Sniff to guess.
func importFormat(named, contentType, fileName string) (citation.Format, error) {
	switch named {
	case "", "auto":
	case "list":
		return citation.ListFormat, nil
	default:
		return citation.ParseFormat(named)
	}
	if f, ok := citation.FormatOfContentType(contentType); ok {
		return f, nil
	}
	if f, ok := citation.FormatOfName(fileName); ok {
		return f, nil
	}
	return "", nil
}

func (s *Server) apiExportLibrary(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	f, err := exportFormat(r)
	if err != nil {
		return err
	}
	papers, err := s.library.LibraryPapers(r.Context(), libraryMember(v))
	if err != nil {
		return err
	}
	return writeExport(w, f, v.Name+"-library", papers)
}

func (s *Server) apiExportCollection(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	c, err := s.library.Own(r.Context(), libraryMember(v), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.exportCollection(w, r, c)
}

// apiExportPublic serves a public collection's export to anyone, and a
// private one to its owner only (404 to others).
func (s *Server) apiExportPublic(w http.ResponseWriter, r *http.Request) error {
	c, err := s.library.View(r.Context(), viewingMember(r), r.PathValue("user"), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.exportCollection(w, r, c)
}

func (s *Server) exportCollection(w http.ResponseWriter, r *http.Request, c store.Collection) error {
	f, err := exportFormat(r)
	if err != nil {
		return err
	}
	papers, err := s.library.CollectionPapers(r.Context(), c)
	if err != nil {
		return err
	}
	return writeExport(w, f, c.Owner+"-"+c.Slug, papers)
}

// exportFormat reads ?format=, BibTeX when absent.
func exportFormat(r *http.Request) (citation.Format, error) {
	name := r.FormValue("format")
	if name == "" {
		return citation.BibTeXFormat, nil
	}
	return citation.ParseFormat(name)
}

// writeExport writes an export as a file for the browser to save as
// paperboy-BASE.bib (.ris, .json). The papers were read whole first, so a
// failure to read them was an error response, not a truncated file; a
// failure to write is the client gone, after the status was sent.
func writeExport(w http.ResponseWriter, f citation.Format, base string, papers []store.Paper) error {
	h := w.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "paperboy-" + base + f.Extension()}))
	h.Set("Cache-Control", "private, no-store")
	citation.Write(w, f, papers)
	return nil
}

// importPage shows what an upload did.
type importPage struct {
	Page
	Report library.ImportReport
	// Into is the collection imported into; nil for the library alone.
	Into     *store.Collection
	FileName string
}

// importForm serves the upload form of the library and collection pages,
// without JavaScript: a multipart form with the file, its format ("auto"
// by default) and the collection's slug ("" for the library alone). It
// answers with the report rather than a redirect: the report is not kept.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	file, header, err := formFile(r, "file")
	if err != nil {
		return err
	}
	defer file.Close()
	f, err := importFormat(r.PostFormValue("format"), header.Header.Get("Content-Type"), header.Filename)
	if err != nil {
		return err
	}
	ctx, m, slug := r.Context(), libraryMember(v), r.PostFormValue("collection")
	rep, err := s.library.Import(ctx, m, slug, f, file, s.limitLibrary(r, v))
	if err != nil {
		return err
	}
	p := &importPage{Page: Page{Title: "Import", Nav: "library", NoIndex: true}, Report: rep, FileName: header.Filename}
	if slug != "" {
		c, err := s.library.Own(ctx, m, slug)
		if err != nil {
			return err
		}
		p.Into = &c
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, "library_import.html", p)
}

// formFile is the multipart form's file of the field, parsed by readBody.
func formFile(r *http.Request, field string) (multipart.File, *multipart.FileHeader, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, nil, errBadRequest("Choose a file to import.")
	}
	h := r.MultipartForm.File[field][0]
	f, err := h.Open()
	if err != nil {
		return nil, nil, err
	}
	return f, h, nil
}

// exportLinks are the export addresses of a library or collection.
type exportLink struct{ Label, Href string }

func exportLinks(path string) []exportLink {
	out := make([]exportLink, 0, 3)
	for _, f := range []struct{ label, name string }{{"BibTeX", "bibtex"}, {"RIS", "ris"}, {"CSL-JSON", "csl-json"}} {
		out = append(out, exportLink{Label: f.label, Href: path + "?" + url.Values{"format": {f.name}}.Encode()})
	}
	return out
}
