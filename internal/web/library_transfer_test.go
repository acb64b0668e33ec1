package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/harvest"
	"github.com/paperboy-dev/paperboy/internal/harvest/harvesttest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// newImportServer is a server with a library whose imports fetch unknown
// arXiv ids from the arXiv API at arxivURL (a fake; a dead one for
// "arXiv is down"), as serve wires submissions.
func newImportServer(t *testing.T, d store.Dialect, arxivURL string, tune func(*Options)) (*httptest.Server, *store.Store) {
	t.Helper()
	return newCommunityServer(t, d, func(o *Options) {
		st := o.Papers.(*store.Store)
		api := &harvest.APIClient{BaseURL: arxivURL, Fetcher: &harvest.Fetcher{
			Retries: -1, Timeout: 5 * time.Second, UserAgent: "paperboy-test/1"}}
		hv := &harvest.Harvester{Store: st}
		o.Submit.Lookup = LookupFunc(func(ctx context.Context, ids []string) error {
			_, err := hv.Lookup(ctx, api, ids)
			return err
		})
		if tune != nil {
			tune(o)
		}
	})
}

// fakeArXiv serves arXiv's API for n generated papers, 2403.00000 onwards.
func fakeArXiv(t *testing.T, n int) *harvesttest.OAIServer {
	return harvesttest.NewOAIServer(t, harvesttest.Generate(n, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 7))
}

// deadArXiv answers every request with 503, as arXiv does in maintenance.
func deadArXiv(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// postFile sends body as a request's whole body with the media type.
func postFile(t *testing.T, rawURL, token, ctype string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest("POST", rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func collectionIDs(t *testing.T, srvURL, token, slug string) []string {
	t.Helper()
	res := call(t, nil, "GET", srvURL+"/api/collections/"+slug, token, nil)
	wantStatus(t, "GET collection "+slug, res, http.StatusOK)
	c := decodeJSON[struct{ Papers []struct{ ID string } }](t, res)
	ids := []string{}
	for _, p := range c.Papers {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestImportAndExportAPIAuthorizationAndHostileInput(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		arxiv := fakeArXiv(t, 3)
		srv, st := newImportServer(t, d, arxiv.URL, func(o *Options) { o.RateLimits = map[string]RateLimit{} })
		ada, bob := newUser(t, st, "ada", "user"), newUser(t, st, "bob", "user")
		adaTok, bobTok := bearerToken(t, st, ada), bearerToken(t, st, bob)
		api := srv.URL + "/api/collections"
		wantStatus(t, "create", call(t, nil, "POST", api, adaTok, map[string]any{"name": "Reading"}), http.StatusCreated)
		list := []byte("2506.00001\nhttps://arxiv.org/abs/2506.00003v1\n")

		for _, r := range []struct{ method, url string }{
			{"POST", api + "/reading/import"}, {"POST", srv.URL + "/api/library/import"},
			{"GET", api + "/reading/export"}, {"GET", srv.URL + "/api/library/export"},
		} {
			res := postFile(t, r.url, "", "text/plain", list)
			if r.method == "GET" {
				res = call(t, nil, "GET", r.url, "", nil)
			}
			wantStatus(t, "anonymous "+r.method+" "+r.url, res, http.StatusUnauthorized)
		}
		// Another's private collection: not found, never forbidden.
		wantStatus(t, "bob imports into ada's", postFile(t, api+"/reading/import", bobTok, "text/plain", list), http.StatusNotFound)
		for _, r := range []struct{ what, url, tok string }{
			{"bob exports ada's", api + "/reading/export", bobTok},
			{"bob exports ada's private one", srv.URL + "/api/users/ada/collections/reading/export", bobTok},
			{"anonymous exports ada's private one", srv.URL + "/api/users/ada/collections/reading/export", ""},
			{"no such user", srv.URL + "/api/users/nobody/collections/reading/export", ""},
		} {
			wantStatus(t, r.what, call(t, nil, "GET", r.url, r.tok, nil), http.StatusNotFound)
		}

		// Hostile files: refused with what is wrong and where, nothing imported.
		for _, tc := range []struct {
			name, ctype, body string
			status            int
			want              string
		}{
			{"malformed BibTeX", "application/x-bibtex", "@misc{ok, eprint={2506.00001}}\n\n@article{smith2020,\n  title = {Unclosed,\n  year = 2020\n}\n",
				http.StatusBadRequest, "line 4: unterminated brace in entry smith2020"},
			{"malformed RIS", "application/x-research-info-systems", "TY  - JOUR\nID  - 2506.00001\n", http.StatusBadRequest, "line 1: the record has no ER line"},
			{"malformed list", "text/plain", "2506.00001\n<script>\n", http.StatusBadRequest, "line 2: not an arXiv id"},
			{"malformed CSL-JSON", "application/json", `{"id": 1}`, http.StatusBadRequest, "not a CSL-JSON array"},
			{"binary, sniffed", "application/octet-stream", "2506.00001\n\x00\x01PNG", http.StatusBadRequest, "line 2: a NUL byte"},
			{"Latin-1", "application/x-bibtex", "@misc{a,\n title={Sch\xe4fer}}", http.StatusBadRequest, "line 2: not UTF-8"},
			{"10,001 entries", "application/x-bibtex", strings.Repeat("@misc{a, eprint={2506.00001}}\n", 10_001), http.StatusRequestEntityTooLarge, "more than 10000 entries"},
			{"over 10 MB", "text/plain", "% " + strings.Repeat("x", 10<<20), http.StatusRequestEntityTooLarge, "larger than 10 MB"},
		} {
			res := postFile(t, api+"/reading/import", adaTok, tc.ctype, []byte(tc.body))
			if res.status != tc.status || !strings.Contains(res.body, tc.want) {
				t.Errorf("%s: status %d, want %d with %q:\n%.300s", tc.name, res.status, tc.status, tc.want, res.body)
			}
		}
		wantStatus(t, "unknown format", postFile(t, api+"/reading/import?format=docx", adaTok, "text/plain", list), http.StatusBadRequest)
		wantStatus(t, "body past the bound", postFile(t, api+"/reading/import", adaTok, "text/plain", make([]byte, maxImportBody+1)), http.StatusRequestEntityTooLarge)
		if ids := collectionIDs(t, srv.URL, adaTok, "reading"); len(ids) != 0 {
			t.Fatalf("refused imports left %v", ids)
		}

		// Duplicates: one paper named by id, URL, DOI and title is added once.
		dups := `@misc{a, eprint = {2506.00001}, archivePrefix = {arXiv}}
@article{b, title = {Whatever}, journal = {arXiv preprint arXiv:2506.00001}}
@article{c, title = {x}, doi = {10.1000/XYZ.1}}
@misc{d, url = {https://arxiv.org/pdf/2506.00001v2}}
@misc{e, title = {Attention is still all you need}}
@misc{f, title = {Attention is {S}till all you need}}
`
		// curl --data-binary sends a form's media type: the body is read as a file anyway.
		res := postFile(t, api+"/reading/import", adaTok, "application/x-www-form-urlencoded", []byte(dups))
		wantStatus(t, "duplicates", res, http.StatusOK)
		rep := decodeJSON[apiImportReport](t, res)
		if rep.Added != 2 || !cmp.Equal(rep.Papers, []string{"2506.00001", "2506.00003"}) || rep.Duplicates != 4 || len(rep.Unmatched) != 0 {
			t.Fatalf("duplicates: %+v", rep)
		}
		res = postFile(t, api+"/reading/import", adaTok, "application/x-bibtex", []byte(dups))
		if rep := decodeJSON[apiImportReport](t, res); res.status != http.StatusOK || rep.Added != 0 {
			t.Fatalf("importing again: %d %+v", res.status, rep)
		}

		// Ids arXiv does not know, and one it does: fetched, or unmatched with the reason.
		res = postFile(t, api+"/reading/import", adaTok, "", []byte("2403.00001\n2403.99999\n"))
		wantStatus(t, "unknown ids", res, http.StatusOK)
		rep = decodeJSON[apiImportReport](t, res)
		if !cmp.Equal(rep.Fetched, []string{"2403.00001"}) || len(rep.Unmatched) != 1 ||
			rep.Unmatched[0].Label != "arXiv:2403.99999 (line 2)" || rep.Unmatched[0].Reason != "arXiv has no paper 2403.99999" {
			t.Fatalf("unknown ids: %s", res.body)
		}

		// A 10,000-entry file: the known papers imported, the rest reported.
		var big strings.Builder
		for i := range 10_000 {
			if i%1000 == 0 {
				fmt.Fprintf(&big, "@misc{known%d, eprint = {2506.0000%d}}\n", i, 1+i/1000%3)
				continue
			}
			fmt.Fprintf(&big, "@article{k%d,\n  title = {Entry number %d of a large library},\n  journal = {arXiv preprint arXiv:2401.%05d},\n  year = {2024}\n}\n", i, i, i)
		}
		start := time.Now()
		res = postFile(t, srv.URL+"/api/library/import", bobTok, "application/x-bibtex", []byte(big.String()))
		wantStatus(t, "10,000 entries", res, http.StatusOK)
		rep = decodeJSON[apiImportReport](t, res)
		if rep.Added != 3 || rep.Duplicates != 7 || len(rep.Unmatched) != 9990 || rep.Collection != "" {
			t.Fatalf("10,000 entries: added %d, duplicates %d, unmatched %d", rep.Added, rep.Duplicates, len(rep.Unmatched))
		}
		if r := rep.Unmatched[len(rep.Unmatched)-1].Reason; !strings.Contains(r, "over 300 papers to fetch") {
			t.Errorf("the last entry's reason %q does not say the fetch limit", r)
		}
		t.Logf("10,000 entries imported in %s", time.Since(start).Round(time.Millisecond))

		// Exports: per format, an attachment with a file name.
		for _, tc := range []struct{ format, ctype, file, want string }{
			{"", "application/x-bibtex; charset=utf-8", "paperboy-ada-reading.bib", "eprint = {2506.00001}"},
			{"bibtex", "application/x-bibtex; charset=utf-8", "paperboy-ada-reading.bib", "@"},
			{"ris", "application/x-research-info-systems; charset=utf-8", "paperboy-ada-reading.ris", "TY  - JOUR"},
			{"csl-json", "application/vnd.citationstyles.csl+json; charset=utf-8", "paperboy-ada-reading.json", `"id": "arXiv:2506.00001"`},
		} {
			res := call(t, nil, "GET", api+"/reading/export?format="+tc.format, adaTok, nil)
			wantStatus(t, "export "+tc.format, res, http.StatusOK)
			if got := res.header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("export %s: Content-Type %q, want %q", tc.format, got, tc.ctype)
			}
			if got := res.header.Get("Content-Disposition"); got != `attachment; filename=`+tc.file {
				t.Errorf("export %s: Content-Disposition %q", tc.format, got)
			}
			if !strings.Contains(res.body, tc.want) {
				t.Errorf("export %s lacks %q:\n%.400s", tc.format, tc.want, res.body)
			}
		}
		wantStatus(t, "unknown export format", call(t, nil, "GET", api+"/reading/export?format=docx", adaTok, nil), http.StatusBadRequest)
		res = call(t, nil, "GET", srv.URL+"/api/library/export?format=ris", bobTok, nil)
		if res.status != http.StatusOK || strings.Count(res.body, "TY  - JOUR") != 3 ||
			res.header.Get("Content-Disposition") != "attachment; filename=paperboy-bob-library.ris" {
			t.Fatalf("bob's library export: %d %v\n%.300s", res.status, res.header, res.body)
		}
		// Public: anyone may export it; private again: only ada.
		public := srv.URL + "/api/users/ada/collections/reading/export?format=csl-json"
		wantStatus(t, "make public", call(t, nil, "PATCH", api+"/reading", adaTok, map[string]any{"private": false}), http.StatusOK)
		wantStatus(t, "anonymous exports a public one", call(t, nil, "GET", public, "", nil), http.StatusOK)
		wantStatus(t, "make private", call(t, nil, "PATCH", api+"/reading", adaTok, map[string]any{"private": true}), http.StatusOK)
		wantStatus(t, "bob exports it again", call(t, nil, "GET", public, bobTok, nil), http.StatusNotFound)
		wantStatus(t, "ada exports her private one", call(t, nil, "GET", public, adaTok, nil), http.StatusOK)
	})
}

func TestImportWithArXivDownImportsNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		srv, st := newImportServer(t, d, deadArXiv(t).URL, nil)
		tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
		wantStatus(t, "create", call(t, nil, "POST", srv.URL+"/api/collections", tok, map[string]any{"name": "Reading"}), http.StatusCreated)

		res := postFile(t, srv.URL+"/api/collections/reading/import", tok, "text/plain", []byte("2506.00001\n2403.00001\n"))
		wantStatus(t, "arXiv down", res, http.StatusBadGateway)
		if !strings.Contains(res.body, "nothing was imported") {
			t.Errorf("the refusal does not say nothing was imported: %s", res.body)
		}
		if ids := collectionIDs(t, srv.URL, tok, "reading"); len(ids) != 0 {
			t.Fatalf("a failed import left %v", ids)
		}
		// A file of known papers needs no fetch.
		res = postFile(t, srv.URL+"/api/collections/reading/import", tok, "text/plain", []byte("2506.00001\n"))
		wantStatus(t, "known papers with arXiv down", res, http.StatusOK)
	})
}

func TestImportIsRateLimitedLikeLibraryWrites(t *testing.T) {
	srv, st := newImportServer(t, store.SQLite, deadArXiv(t).URL, func(o *Options) {
		o.RateLimits = map[string]RateLimit{"library": {Every: time.Hour, Burst: 1}}
	})
	tok := bearerToken(t, st, newUser(t, st, "ada", "user"))
	wantStatus(t, "first", postFile(t, srv.URL+"/api/library/import", tok, "text/plain", []byte("2506.00001\n")), http.StatusOK)
	wantStatus(t, "second", postFile(t, srv.URL+"/api/library/import", tok, "text/plain", []byte("2506.00003\n")), http.StatusTooManyRequests)
	if n, _ := st.CountSaved(context.Background(), 1); n != 1 {
		t.Fatalf("library holds %d papers after a refused import, want 1", n)
	}
}

// multipartFile is a form with a file part and fields, as a browser sends.
func multipartFile(t *testing.T, fileName string, content []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func TestImportFormWorksWithoutJavaScript(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		arxiv := fakeArXiv(t, 3)
		srv, st := newImportServer(t, d, arxiv.URL, nil)
		adaTok := bearerToken(t, st, newUser(t, st, "ada", "user"))
		ada := signedInClient(t, srv.URL, "ada")
		wantStatus(t, "create", call(t, ada, "POST", srv.URL+"/collections", "", url.Values{"name": {"Thesis"}}), http.StatusSeeOther)

		page := call(t, ada, "GET", srv.URL+"/c/ada/thesis", "", nil)
		for _, want := range []string{`action="/library/import" enctype="multipart/form-data"`, `name="collection" value="thesis"`,
			`href="/api/users/ada/collections/thesis/export?format=ris"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the collection page lacks %s", want)
			}
		}
		if lib := call(t, ada, "GET", srv.URL+"/library", "", nil); !strings.Contains(lib.body, `href="/api/library/export?format=csl-json"`) ||
			!strings.Contains(lib.body, `id="import-file"`) {
			t.Errorf("the library page lacks the import form or the export links")
		}

		ctype, body := multipartFile(t, "My Library.bib", []byte(`@misc{a, eprint={2506.00003}}
@misc{b, eprint={2403.00002}, archivePrefix={arXiv}}
@book{c, title={A book paperboy has never heard of}}
`), map[string]string{"collection": "thesis", "format": "auto"})
		req, _ := http.NewRequest("POST", srv.URL+"/library/import", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		resp, err := ada.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("form import: %d\n%s", resp.StatusCode, out)
		}
		for _, want := range []string{"Import of My Library.bib", `<a href="/c/ada/thesis">Thesis</a>`, "2 papers added",
			"Found in paperboy: 1", "Fetched from arXiv: 1", `<a href="/papers/2403.00002">`, "Not found: 1",
			"c (line 3): no arXiv id or DOI, and no paper with this title"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the report page lacks %q", want)
			}
		}
		if ids := collectionIDs(t, srv.URL, adaTok, "thesis"); !cmp.Equal(ids, []string{"2506.00003", "2403.00002"}) {
			t.Errorf("thesis holds %v", ids)
		}

		// Into the library alone; a bad file is an error page naming the line.
		ctype, body = multipartFile(t, "ids.txt", []byte("2506.00001\nnot an id\n"), nil)
		req, _ = http.NewRequest("POST", srv.URL+"/library/import", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		resp, err = ada.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(out), "line 2: not an arXiv id") {
			t.Fatalf("bad file: %d\n%.500s", resp.StatusCode, out)
		}
		res := call(t, ada, "POST", srv.URL+"/library/import", "", url.Values{"format": {"auto"}})
		wantStatus(t, "no file", res, http.StatusBadRequest)
	})
}

// runThroughBibTeX writes 50 entries as Zotero and Google Scholar export
// them, naming the papers of runThroughPapers, four papers only the fake
// arXiv has, and two that no one has.
func runThroughBibTeX(papers []store.Paper) string {
	var b strings.Builder
	for i, p := range papers {
		switch {
		case i < 24: // Zotero's "Export Collection…" of arXiv preprints
			fmt.Fprintf(&b, "\n@misc{%s_%d,\n\ttitle = {%s},\n\turl = {http://arxiv.org/abs/%s},\n\tdoi = {10.48550/arXiv.%s},\n\tpublisher = {arXiv},\n\tauthor = {Lovelace, Ada and Müller, Jörg},\n\tmonth = jun,\n\tyear = {2025},\n\tnote = {arXiv:%s [cs]},\n\tkeywords = {Computer Science - Machine Learning},\n}\n",
				"lovelace_paper", i, p.Title, p.ID, p.ID, p.ID)
		case i < 34: // Google Scholar's "Cite → BibTeX" of a preprint
			fmt.Fprintf(&b, "@article{lovelace2025paper%d,\n  title={%s},\n  author={Lovelace, Ada and M{\\\"u}ller, J{\\\"o}rg},\n  journal={arXiv preprint arXiv:%s},\n  year={2025}\n}\n\n", i, strings.ToLower(p.Title), p.ID)
		case i < 39: // a published version: journal and DOI only
			fmt.Fprintf(&b, "@article{lovelace2025journal%d,\n  title={%s},\n  author={Lovelace, Ada},\n  journal={Journal of Imaginary Results},\n  volume={3},\n  pages={1--20},\n  year={2025},\n  doi={%s}\n}\n\n", i, p.Title, p.DOI)
		default: // a proceedings entry with nothing but its title, braced and accented
			fmt.Fprintf(&b, "@inproceedings{mueller2025proc%d,\n  title={{%s}},\n  author={M{\\\"u}ller, J{\\\"o}rg},\n  booktitle={Proceedings of the Conference},\n  year={2025}\n}\n\n", i, strings.ReplaceAll(p.Title, "ö", `{\"o}`))
		}
	}
	for i := range 4 { // only arXiv has them: fetched
		fmt.Fprintf(&b, "@misc{fetched%d,\n\ttitle = {Not yet in paperboy},\n\teprint = {2403.%05d},\n\tarchivePrefix = {arXiv},\n\tprimaryClass = {cs.LG},\n\tyear = {2024},\n}\n\n", i, i+1)
	}
	b.WriteString("@misc{ghost2024,\n\ttitle = {A paper that is nowhere},\n\teprint = {2403.09999},\n\tarchivePrefix = {arXiv},\n}\n\n")
	b.WriteString("@book{knuth1984texbook,\n  title={The {\\TeX}book, Computers and Typesetting},\n  author={Knuth, Donald E.},\n  publisher={Addison-Wesley},\n  year={1984}\n}\n")
	return b.String()
}

// runThroughPapers are 44 papers for the run-through, with DOIs and
// distinct titles (some accented).
func runThroughPapers() []store.Paper {
	out := make([]store.Paper, 44)
	for i := range out {
		at := time.Date(2025, 5, 1+i%28, 14, 0, 0, 0, time.UTC)
		out[i] = store.Paper{
			ID: fmt.Sprintf("2505.%05d", 10001+i), Version: 1,
			Title:   fmt.Sprintf("Schrödinger bridges for diffusion model number %d", i),
			Authors: []string{"Ada Lovelace", "Jörg Müller"}, Categories: []string{"cs.LG"},
			DOI: fmt.Sprintf("10.5555/imaginary.%d", i), FirstVersionAt: at, ListedOn: at.AddDate(0, 0, 1),
			Versions: []store.Version{{Version: 1, Created: at}},
		}
	}
	return out
}

// TestImportRunThrough is the run-through: a 50-entry BibTeX file
// into ada's collection, the report, the collection's page, its export in
// the three formats re-imported into bob's collections with nothing lost.
// Run with -v for the transcript.
func TestImportRunThrough(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		arxiv := fakeArXiv(t, 10)
		srv, st := newImportServer(t, d, arxiv.URL, nil)
		papers := runThroughPapers()
		if _, err := st.UpsertPapers(ctx, papers); err != nil {
			t.Fatal(err)
		}
		ada, bob := newUser(t, st, "ada", "user"), newUser(t, st, "bob", "user")
		adaTok, bobTok := bearerToken(t, st, ada), bearerToken(t, st, bob)
		api := srv.URL + "/api/collections"
		logf := func(format string, args ...any) {
			if d == store.SQLite {
				t.Logf(format, args...)
			}
		}

		bib := runThroughBibTeX(papers)
		if n := strings.Count(bib, "\n@") + strings.Count(bib[:1], "@"); n != 50 {
			t.Fatalf("the file has %d entries, want 50", n)
		}
		logf("$ curl -X POST -H 'Authorization: Bearer …' -d '{\"name\":\"Diffusion reading\",\"private\":false}' /api/collections")
		wantStatus(t, "create", call(t, nil, "POST", api, adaTok, map[string]any{"name": "Diffusion reading", "private": false}), http.StatusCreated)
		logf("$ curl -X POST -H 'Content-Type: application/x-bibtex' --data-binary @library.bib /api/collections/diffusion-reading/import   (50 entries, %d bytes)", len(bib))
		res := postFile(t, api+"/diffusion-reading/import", adaTok, "application/x-bibtex", []byte(bib))
		wantStatus(t, "import", res, http.StatusOK)
		rep := decodeJSON[apiImportReport](t, res)
		var want []string
		for _, p := range papers {
			want = append(want, p.ID)
		}
		fetched := []string{"2403.00001", "2403.00002", "2403.00003", "2403.00004"}
		want = append(want, fetched...)
		if rep.Added != 48 || len(rep.Matched) != 44 || !cmp.Equal(rep.Fetched, fetched) || !cmp.Equal(rep.Papers, want) {
			t.Fatalf("report: added %d, matched %d, fetched %v, papers %v", rep.Added, len(rep.Matched), rep.Fetched, rep.Papers)
		}
		wantUnmatched := `[{"entry":"ghost2024 (line 476)","reason":"arXiv has no paper 2403.09999"},{"entry":"knuth1984texbook (line 482)","reason":"no arXiv id or DOI, and no paper with this title"}]`
		if got, _ := json.Marshal(rep.Unmatched); string(got) != wantUnmatched {
			t.Errorf("unmatched = %s\nwant %s", got, wantUnmatched)
		}
		short := rep
		short.Papers, short.Matched = short.Papers[:3], short.Matched[:3]
		summary, _ := json.MarshalIndent(short, "", "  ")
		logf("200 (papers and matched cut to 3 of 48 and 44 here)\n%s", summary)

		logf("$ GET /c/ada/diffusion-reading (signed out: the collection is public)")
		page := call(t, nil, "GET", srv.URL+"/c/ada/diffusion-reading", "", nil)
		wantStatus(t, "collection page", page, http.StatusOK)
		if n := strings.Count(page.body, `<article class="card saved"`); n != 48 || !strings.Contains(page.body, "48 papers") {
			t.Fatalf("the collection page shows %d cards", n)
		}
		logf("200: 48 papers, export links %q", []string{"?format=bibtex", "?format=ris", "?format=csl-json"})

		for _, tc := range []struct{ format, ctype string }{
			{"bibtex", "application/x-bibtex"}, {"ris", "application/x-research-info-systems"}, {"csl-json", "application/vnd.citationstyles.csl+json"},
		} {
			res := call(t, nil, "GET", srv.URL+"/api/users/ada/collections/diffusion-reading/export?format="+tc.format, "", nil)
			wantStatus(t, "export "+tc.format, res, http.StatusOK)
			logf("$ GET /api/users/ada/collections/diffusion-reading/export?format=%s → %d, %s, %s, %d bytes",
				tc.format, res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"), len(res.body))
			slug := "from-" + tc.format
			wantStatus(t, "bob creates "+slug, call(t, nil, "POST", api, bobTok, map[string]any{"name": "From " + tc.format}), http.StatusCreated)
			res = postFile(t, api+"/"+slug+"/import", bobTok, tc.ctype, []byte(res.body))
			wantStatus(t, "re-import "+tc.format, res, http.StatusOK)
			again := decodeJSON[apiImportReport](t, res)
			logf("$ (bob) POST /api/collections/%s/import → added %d, matched %d, fetched %d, unmatched %d, duplicates %d",
				slug, again.Added, len(again.Matched), len(again.Fetched), len(again.Unmatched), again.Duplicates)
			if again.Added != 48 || len(again.Unmatched) != 0 || len(again.Fetched) != 0 || again.Duplicates != 0 {
				t.Errorf("re-import of %s: %s", tc.format, res.body)
			}
			if diff := cmp.Diff(want, collectionIDs(t, srv.URL, bobTok, slug)); diff != "" {
				t.Errorf("bob's %s lost papers or their order (-ada's +bob's):\n%s", slug, diff)
			}
		}
	})
}
