// Package harvesttest serves fake arXiv and Hugging Face endpoints for
// tests: OAI-PMH 2.0 with the arXiv and arXivRaw formats, resumption tokens
// and injectable faults, the Atom query API, and the daily-papers API. The
// responses are built from the OAI-PMH 2.0 specification and arXiv's
// metadata schemas, so that the clients never need the internet.
package harvesttest

import (
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Author is one author of a generated paper.
type Author struct{ Keyname, Forenames, Suffix, Affiliation string }

// Name is "Forenames Keyname Suffix".
func (a Author) Name() string {
	return strings.Join(strings.Fields(a.Forenames+" "+a.Keyname+" "+a.Suffix), " ")
}

// Record is one paper of the fake repository.
type Record struct {
	ID         string // versionless
	Datestamp  string // YYYY-MM-DD
	Sets       []string
	Deleted    bool
	Submitter  string
	Versions   []time.Time // v1, v2, ...
	Title      string
	Authors    []Author
	Categories []string // primary first
	Comments   string
	JournalRef string
	DOI        string
	License    string
	Abstract   string // hard-wrapped as arXiv serves it
	Upvotes    int
}

// Generate makes n records dated from start onwards, about 200 a day, with
// every tenth one revised, the odd LaTeX and non-ASCII name, and every
// 97th deleted. The same n and seed give the same records.
func Generate(n int, start time.Time, seed uint64) []Record {
	rng := rand.New(rand.NewPCG(seed, 42))
	cats := [][]string{{"cs.AI"}, {"cs.CL", "cs.AI"}, {"cs.LG", "stat.ML"}, {"math.CO"}, {"hep-th", "gr-qc"}, {"cs.CV"}}
	sets := map[string]string{"cs": "cs", "stat": "stat", "math": "math", "hep-th": "physics:hep-th", "gr-qc": "physics:gr-qc"}
	words := strings.Fields("learning model neural graph quantum large language reasoning sparse efficient robust attention diffusion theory bounds $\\ell_1$ Schrödinger manifold")
	recs := make([]Record, n)
	for i := range recs {
		day := start.AddDate(0, 0, i/200)
		sub := day.Add(time.Duration(rng.IntN(86400)) * time.Second)
		r := Record{
			ID:        fmt.Sprintf("%02d%02d.%05d", day.Year()%100, int(day.Month()), i%100000),
			Datestamp: day.Format(time.DateOnly),
			Submitter: "Ada Lovelace",
			Versions:  []time.Time{sub},
			License:   "http://creativecommons.org/licenses/by/4.0/",
			Upvotes:   rng.IntN(50),
		}
		if i%10 == 3 {
			r.Versions = append(r.Versions, sub.Add(72*time.Hour+17*time.Minute))
		}
		r.Categories = cats[rng.IntN(len(cats))]
		seen := map[string]bool{}
		for _, c := range r.Categories {
			archive, _, _ := strings.Cut(c, ".")
			if s := sets[archive]; !seen[s] {
				seen[s] = true
				r.Sets = append(r.Sets, s)
			}
		}
		var t []string
		for range 4 + rng.IntN(6) {
			t = append(t, words[rng.IntN(len(words))])
		}
		r.Title = strings.Join(t, " ") + fmt.Sprintf(" %d", i)
		for j := range 1 + rng.IntN(4) {
			a := Author{Keyname: fmt.Sprintf("Author%d", j), Forenames: "A. B."}
			if j == 1 {
				a = Author{Keyname: "Müller", Forenames: "Jörg", Suffix: "Jr", Affiliation: "ETH Zürich"}
			}
			r.Authors = append(r.Authors, a)
		}
		var ab strings.Builder
		for j := range 40 + rng.IntN(80) {
			if j > 0 && j%12 == 0 {
				ab.WriteString("\n")
			} else if j > 0 {
				ab.WriteString(" ")
			}
			ab.WriteString(words[rng.IntN(len(words))])
		}
		r.Abstract = "  " + ab.String() + ".\n"
		if i%7 == 0 {
			r.Comments = "12 pages, 3 figures"
		}
		if i%11 == 0 {
			r.DOI = fmt.Sprintf("10.1000/x%d", i)
			r.JournalRef = "J. Fake Res. 1 (2025) 1-12"
		}
		if i%97 == 50 {
			r.Deleted = true
		}
		recs[i] = r
	}
	return recs
}

// Fault is a misbehaviour injected into one response.
type Fault int

// The faults a page can be served with.
const (
	Unavailable Fault = iota + 1 // 503 with Retry-After: RetryAfter
	Truncated                    // the XML cut in the middle (a well-formed HTTP response)
	ShortBody                    // Content-Length promises more than is sent
	InvalidUTF8                  // a byte sequence that is not UTF-8 inside a title
	Slow                         // the answer comes after SlowDelay
	BadToken                     // badResumptionToken for a token that is fine
	ServerError                  // 500
)

// OAIServer is a fake OAI-PMH 2.0 repository serving Records.
type OAIServer struct {
	*httptest.Server
	Records    []Record
	PageSize   int // 1000 when zero, as arXiv
	RetryAfter int // seconds, for Unavailable
	SlowDelay  time.Duration
	// Faults lists, by page (1-based, counted over the request's window),
	// the faults served on successive fetches of that page; after them the
	// page is served normally.
	Faults map[int][]Fault
	// FailFrom, when > 0, makes every fetch of that page and the later ones
	// fail with 500 (a source that went away mid-harvest).
	FailFrom int
	// TokenEpoch is part of every token; a token of another epoch is bad, as
	// when a repository's sessions expire.
	TokenEpoch int

	mu       sync.Mutex
	fetches  map[int]int
	requests int
	agents   map[string]bool
	matches  map[string][]int
}

// NewOAIServer starts a fake repository at srv.URL + "/oai", closed when the
// test ends.
func NewOAIServer(tb testing.TB, records []Record) *OAIServer {
	s := &OAIServer{Records: records, fetches: map[int]int{}, agents: map[string]bool{}, SlowDelay: 2 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oai", s.serveOAI)
	mux.HandleFunc("GET /api/query", s.serveAPI)
	s.Server = httptest.NewServer(mux)
	tb.Cleanup(s.Close)
	return s
}

// Requests counts the requests served.
func (s *OAIServer) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// UserAgents lists the User-Agent headers seen.
func (s *OAIServer) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for a := range s.agents {
		out = append(out, a)
	}
	return out
}

func (s *OAIServer) serveOAI(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.agents[r.UserAgent()] = true
	s.mu.Unlock()
	q := r.URL.Query()
	switch q.Get("verb") {
	case "Identify":
		writeOAI(w, r, `<Identify><repositoryName>Fake arXiv</repositoryName><baseURL>`+s.URL+`/oai</baseURL>
<protocolVersion>2.0</protocolVersion><adminEmail>help@example.org</adminEmail><earliestDatestamp>2005-09-16</earliestDatestamp>
<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DD</granularity></Identify>`)
	case "GetRecord":
		id := strings.TrimPrefix(q.Get("identifier"), "oai:arXiv.org:")
		for _, rec := range s.Records {
			if rec.ID == id {
				writeOAI(w, r, "<GetRecord>"+recordXML(rec, q.Get("metadataPrefix"))+"</GetRecord>")
				return
			}
		}
		writeOAI(w, r, `<error code="idDoesNotExist">No matching identifier</error>`)
	case "ListRecords":
		s.listRecords(w, r)
	default:
		writeOAI(w, r, `<error code="badVerb">Illegal verb</error>`)
	}
}

func (s *OAIServer) listRecords(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix, set, from, until := q.Get("metadataPrefix"), q.Get("set"), q.Get("from"), q.Get("until")
	offset := 0
	if tok := q.Get("resumptionToken"); tok != "" {
		// token: epoch|prefix|set|from|until|offset
		parts := strings.Split(tok, "|")
		var err error
		if len(parts) == 6 {
			offset, err = strconv.Atoi(parts[5])
		}
		if len(parts) != 6 || err != nil || parts[0] != strconv.Itoa(s.TokenEpoch) {
			writeOAI(w, r, `<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error>`)
			return
		}
		prefix, set, from, until = parts[1], parts[2], parts[3], parts[4]
	}
	if prefix != "arXiv" && prefix != "arXivRaw" {
		writeOAI(w, r, `<error code="cannotDisseminateFormat">Unknown metadata format</error>`)
		return
	}
	match := s.match(prefix+"|"+set+"|"+from+"|"+until, func(rec *Record) bool {
		return (from == "" || rec.Datestamp >= from) && (until == "" || rec.Datestamp <= until) && inSet(rec, set)
	})
	if len(match) == 0 {
		writeOAI(w, r, `<error code="noRecordsMatch">No records match</error>`)
		return
	}
	size := s.PageSize
	if size <= 0 {
		size = 1000
	}
	page := offset/size + 1
	s.mu.Lock()
	s.fetches[page]++
	n := s.fetches[page]
	s.mu.Unlock()
	if s.FailFrom > 0 && page >= s.FailFrom {
		http.Error(w, "gone", http.StatusInternalServerError)
		return
	}
	var fault Fault
	if fs := s.Faults[page]; n <= len(fs) {
		fault = fs[n-1]
	}
	if q.Get("resumptionToken") != "" && fault == BadToken {
		writeOAI(w, r, `<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error>`)
		return
	}
	switch fault {
	case Unavailable:
		w.Header().Set("Retry-After", strconv.Itoa(s.RetryAfter))
		http.Error(w, "Retry after the specified interval", http.StatusServiceUnavailable)
		return
	case ServerError:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case Slow:
		select {
		case <-time.After(s.SlowDelay):
		case <-r.Context().Done():
			return
		}
	}
	var b strings.Builder
	b.WriteString("<ListRecords>\n")
	end := min(offset+size, len(match))
	for _, i := range match[offset:end] {
		b.WriteString(recordXML(s.Records[i], prefix))
	}
	if end < len(match) {
		fmt.Fprintf(&b, `<resumptionToken cursor="%d" completeListSize="%d">%s</resumptionToken>`, offset, len(match),
			html.EscapeString(fmt.Sprintf("%d|%s|%s|%s|%s|%d", s.TokenEpoch, prefix, set, from, until, end)))
	} else if offset > 0 {
		fmt.Fprintf(&b, `<resumptionToken cursor="%d" completeListSize="%d"/>`, offset, len(match))
	}
	b.WriteString("</ListRecords>")
	body := envelope(r, b.String())
	switch fault {
	case Truncated:
		body = body[:len(body)/2]
	case InvalidUTF8:
		body = strings.Replace(body, "<title>", "<title>\xff\xfe", 1)
	case ShortBody:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write([]byte(body[:len(body)/3]))
		return // the server closes the connection short of its promise
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write([]byte(body))
}

// match returns the indexes of the records a request selects, computed once
// per selection so that paging through a large set stays linear.
func (s *OAIServer) match(key string, ok func(*Record) bool) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, found := s.matches[key]; found {
		return m
	}
	var m []int
	for i := range s.Records {
		if ok(&s.Records[i]) {
			m = append(m, i)
		}
	}
	if s.matches == nil {
		s.matches = map[string][]int{}
	}
	s.matches[key] = m
	return m
}

func inSet(r *Record, set string) bool {
	if set == "" {
		return true
	}
	for _, s := range r.Sets {
		if s == set || strings.HasPrefix(s, set+":") {
			return true
		}
	}
	return false
}

func writeOAI(w http.ResponseWriter, r *http.Request, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write([]byte(envelope(r, inner)))
}

func envelope(r *http.Request, inner string) string {
	var attrs strings.Builder
	for k, v := range r.URL.Query() {
		fmt.Fprintf(&attrs, ` %s="%s"`, k, html.EscapeString(v[0]))
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2025-06-02T20:15:00Z</responseDate>
<request` + attrs.String() + `>http://export.arxiv.org/oai2</request>
` + inner + "\n</OAI-PMH>\n"
}

func esc(s string) string { return html.EscapeString(s) }

func recordXML(r Record, prefix string) string {
	var b strings.Builder
	b.WriteString("<record>")
	if r.Deleted {
		b.WriteString(`<header status="deleted">`)
	} else {
		b.WriteString("<header>")
	}
	fmt.Fprintf(&b, "<identifier>oai:arXiv.org:%s</identifier><datestamp>%s</datestamp>", r.ID, r.Datestamp)
	for _, s := range r.Sets {
		fmt.Fprintf(&b, "<setSpec>%s</setSpec>", s)
	}
	b.WriteString("</header>")
	if r.Deleted {
		return b.String() + "</record>\n"
	}
	b.WriteString("<metadata>\n")
	opt := func(tag, v string) {
		if v != "" {
			fmt.Fprintf(&b, "<%s>%s</%s>\n", tag, esc(v), tag)
		}
	}
	if prefix == "arXivRaw" {
		b.WriteString(`<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">` + "\n")
		opt("id", r.ID)
		opt("submitter", r.Submitter)
		for i, v := range r.Versions {
			fmt.Fprintf(&b, "<version version=\"v%d\"><date>%s</date><size>%dkb</size><source_type>D</source_type></version>\n",
				i+1, v.UTC().Format("Mon, 2 Jan 2006 15:04:05 GMT"), 100+i)
		}
		opt("title", r.Title)
		names := make([]string, len(r.Authors))
		for i, a := range r.Authors {
			names[i] = a.Name()
			if a.Affiliation != "" {
				names[i] += " (" + a.Affiliation + ")"
			}
		}
		opt("authors", strings.Join(names, ", "))
		opt("categories", strings.Join(r.Categories, " "))
		opt("comments", r.Comments)
		opt("journal-ref", r.JournalRef)
		opt("doi", r.DOI)
		opt("license", r.License)
		opt("abstract", r.Abstract)
		b.WriteString("</arXivRaw>\n")
	} else {
		b.WriteString(`<arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">` + "\n")
		opt("id", r.ID)
		opt("created", r.Versions[0].UTC().Format(time.DateOnly))
		if len(r.Versions) > 1 {
			opt("updated", r.Versions[len(r.Versions)-1].UTC().Format(time.DateOnly))
		}
		b.WriteString("<authors>")
		for _, a := range r.Authors {
			b.WriteString("<author>")
			opt("keyname", a.Keyname)
			opt("forenames", a.Forenames)
			opt("suffix", a.Suffix)
			opt("affiliation", a.Affiliation)
			b.WriteString("</author>")
		}
		b.WriteString("</authors>\n")
		opt("title", r.Title)
		opt("categories", strings.Join(r.Categories, " "))
		opt("comments", r.Comments)
		opt("journal-ref", r.JournalRef)
		opt("doi", r.DOI)
		opt("license", r.License)
		opt("abstract", r.Abstract)
		b.WriteString("</arXiv>\n")
	}
	b.WriteString("</metadata></record>\n")
	return b.String()
}

// serveAPI answers /api/query?id_list=... like arXiv's Atom API.
func (s *OAIServer) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.agents[r.UserAgent()] = true
	s.mu.Unlock()
	byID := map[string]Record{}
	for _, rec := range s.Records {
		byID[rec.ID] = rec
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
<id>https://arxiv.org/api/fake</id><title>arXiv Query</title><updated>2025-06-02T00:00:00Z</updated>
`)
	for _, id := range strings.Split(r.URL.Query().Get("id_list"), ",") {
		id, _, _ = strings.Cut(strings.TrimSpace(id), "v")
		rec, ok := byID[id]
		if !ok || rec.Deleted {
			continue
		}
		v := len(rec.Versions)
		fmt.Fprintf(&b, "<entry><id>http://arxiv.org/abs/%sv%d</id><title>%s</title><updated>%s</updated><published>%s</published>\n<summary>%s</summary>\n",
			rec.ID, v, esc(rec.Title), rec.Versions[v-1].UTC().Format(time.RFC3339), rec.Versions[0].UTC().Format(time.RFC3339), esc(rec.Abstract))
		for _, a := range rec.Authors {
			fmt.Fprintf(&b, "<author><name>%s</name></author>", esc(a.Name()))
		}
		if rec.DOI != "" {
			fmt.Fprintf(&b, "<arxiv:doi>%s</arxiv:doi>", esc(rec.DOI))
		}
		if rec.Comments != "" {
			fmt.Fprintf(&b, "<arxiv:comment>%s</arxiv:comment>", esc(rec.Comments))
		}
		if rec.JournalRef != "" {
			fmt.Fprintf(&b, "<arxiv:journal_ref>%s</arxiv:journal_ref>", esc(rec.JournalRef))
		}
		fmt.Fprintf(&b, `<link href="http://arxiv.org/abs/%sv%d" rel="alternate" type="text/html"/>`, rec.ID, v)
		fmt.Fprintf(&b, `<arxiv:primary_category term="%s" scheme="http://arxiv.org/schemas/atom"/>`, rec.Categories[0])
		for _, c := range rec.Categories {
			fmt.Fprintf(&b, `<category term="%s" scheme="http://arxiv.org/schemas/atom"/>`, c)
		}
		b.WriteString("</entry>\n")
	}
	b.WriteString("</feed>\n")
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(b.String()))
}

// HFServer is a fake Hugging Face daily-papers API at /api/daily_papers.
type HFServer struct {
	*httptest.Server
	Records []Record // listed on their Datestamp's day
}

// NewHFServer starts a fake daily-papers API, closed when the test ends.
func NewHFServer(tb testing.TB, records []Record) *HFServer {
	s := &HFServer{Records: records}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/daily_papers", s.serve)
	s.Server = httptest.NewServer(mux)
	tb.Cleanup(s.Close)
	return s
}

func (s *HFServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, _ := strconv.Atoi(q.Get("p"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 50
	}
	var day []Record
	for _, rec := range s.Records {
		if rec.Datestamp == q.Get("date") && !rec.Deleted {
			day = append(day, rec)
		}
	}
	items := []map[string]any{}
	for _, rec := range day[min(p*limit, len(day)):min((p+1)*limit, len(day))] {
		d, _ := time.Parse(time.DateOnly, rec.Datestamp)
		authors := []map[string]any{}
		for _, a := range rec.Authors {
			authors = append(authors, map[string]any{"_id": "x", "name": a.Name(), "hidden": false})
		}
		submitted := d.Add(13 * time.Hour)
		items = append(items, map[string]any{
			"paper": map[string]any{
				"id": rec.ID, "authors": authors, "publishedAt": rec.Versions[0].UTC(),
				"submittedOnDailyAt": submitted, "title": rec.Title, "summary": rec.Abstract,
				"upvotes": rec.Upvotes, "githubRepo": "https://github.com/fake/" + rec.ID, "githubStars": rec.Upvotes * 3,
				"ai_summary": "It does things.", "ai_keywords": []string{"things"},
				"submittedOnDailyBy": map[string]any{"user": "akhaliq", "fullname": "AK"},
			},
			"publishedAt": submitted, "title": rec.Title, "numComments": 1,
			"submittedBy": map[string]any{"name": "akhaliq"},
		})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(items)
}
