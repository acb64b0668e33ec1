package harvest

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// DefaultOAIBaseURL is arXiv's OAI-PMH endpoint.
const DefaultOAIBaseURL = "https://oaipmh.arxiv.org/oai"

// The metadata formats of arXiv's OAI-PMH interface that the client reads.
const (
	PrefixArXiv    = "arXiv"    // structured authors; creation and last update dates only
	PrefixArXivRaw = "arXivRaw" // every version with its submission time
)

// OAIClient speaks OAI-PMH 2.0 to one repository.
type OAIClient struct {
	BaseURL string // DefaultOAIBaseURL when empty; "/oai" is added to a URL without a path
	Fetcher *Fetcher
}

// OAIError is an error the repository reported in an OAI-PMH response.
type OAIError struct {
	Code    string // badArgument, badResumptionToken, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch, ...
	Message string
}

func (e *OAIError) Error() string {
	if e.Message == "" {
		return "oai-pmh: " + e.Code
	}
	return "oai-pmh: " + e.Code + ": " + ingest.CleanText(e.Message)
}

// Repository is what Identify tells about a repository.
type Repository struct {
	Name              string
	BaseURL           string
	ProtocolVersion   string
	EarliestDatestamp string
	DeletedRecord     string // no, transient or persistent
	Granularity       string // YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ
}

// ListRequest selects the records of a ListRecords harvest.
type ListRequest struct {
	MetadataPrefix string // PrefixArXivRaw when empty
	Set            string // "cs", "math", "physics:hep-th"; all when empty
	From, Until    string // datestamps, inclusive; open when empty
}

// Record is one record of a ListRecords page or a GetRecord answer.
type Record struct {
	Identifier string // oai:arXiv.org:2501.00001
	Datestamp  string
	Sets       []string
	Deleted    bool
	Paper      store.Paper // when neither Deleted nor Err
	Err        error       // metadata that could not be turned into a paper
}

// Page is one ListRecords response.
type Page struct {
	Records          []Record
	ResumptionToken  string // of the next page; "" on the last
	CompleteListSize int    // -1 when not given
	Cursor           int
}

// Identify asks the repository to describe itself.
func (c *OAIClient) Identify(ctx context.Context) (Repository, error) {
	var r oaiResponse
	if err := c.get(ctx, url.Values{"verb": {"Identify"}}, &r); err != nil {
		return Repository{}, err
	}
	if r.Identify == nil {
		return Repository{}, fmt.Errorf("oai-pmh: Identify: no Identify element")
	}
	id := r.Identify
	return Repository{
		Name: ingest.CleanText(id.Name), BaseURL: strings.TrimSpace(id.BaseURL), ProtocolVersion: strings.TrimSpace(id.ProtocolVersion),
		EarliestDatestamp: strings.TrimSpace(id.EarliestDatestamp), DeletedRecord: strings.TrimSpace(id.DeletedRecord),
		Granularity: strings.TrimSpace(id.Granularity),
	}, nil
}

// GetRecord fetches one paper's record by its arXiv id (any form).
func (c *OAIClient) GetRecord(ctx context.Context, id, metadataPrefix string) (Record, error) {
	aid, err := arxiv.ParseID(id)
	if err != nil {
		return Record{}, err
	}
	if metadataPrefix == "" {
		metadataPrefix = PrefixArXivRaw
	}
	var r oaiResponse
	err = c.get(ctx, url.Values{"verb": {"GetRecord"}, "identifier": {"oai:arXiv.org:" + aid.Base},
		"metadataPrefix": {metadataPrefix}}, &r)
	if err != nil {
		return Record{}, err
	}
	if r.GetRecord == nil {
		return Record{}, fmt.Errorf("oai-pmh: GetRecord %s: no GetRecord element", aid.Base)
	}
	return r.GetRecord.Record.record(), nil
}

// ListRecords fetches one page: the first of req when token is empty, the
// one token names otherwise. noRecordsMatch is an empty last page, not an
// error; other OAI-PMH errors are *OAIError.
func (c *OAIClient) ListRecords(ctx context.Context, req ListRequest, token string) (Page, error) {
	q := url.Values{"verb": {"ListRecords"}}
	if token != "" {
		q.Set("resumptionToken", token) // exclusive: the token carries the request
	} else {
		q.Set("metadataPrefix", cmp.Or(req.MetadataPrefix, PrefixArXivRaw))
		for k, v := range map[string]string{"set": req.Set, "from": req.From, "until": req.Until} {
			if v != "" {
				q.Set(k, v)
			}
		}
	}
	var r oaiResponse
	if err := c.get(ctx, q, &r); err != nil {
		var oe *OAIError
		if errors.As(err, &oe) && oe.Code == "noRecordsMatch" {
			return Page{CompleteListSize: 0}, nil
		}
		return Page{}, err
	}
	if r.ListRecords == nil {
		return Page{}, fmt.Errorf("oai-pmh: ListRecords: no ListRecords element")
	}
	p := Page{CompleteListSize: -1, Records: make([]Record, 0, len(r.ListRecords.Records))}
	for _, rec := range r.ListRecords.Records {
		p.Records = append(p.Records, rec.record())
	}
	if t := r.ListRecords.Token; t != nil {
		p.ResumptionToken = strings.TrimSpace(t.Value)
		if n, err := strconv.Atoi(t.Size); err == nil {
			p.CompleteListSize = n
		}
		p.Cursor, _ = strconv.Atoi(t.Cursor)
	}
	return p, nil
}

// get runs one OAI-PMH request, fetching the page again while the body is
// not well-formed UTF-8 XML, and returns the repository's error as
// *OAIError.
func (c *OAIClient) get(ctx context.Context, q url.Values, r *oaiResponse) error {
	u := withDefaultPath(cmp.Or(c.BaseURL, DefaultOAIBaseURL), "/oai") + "?" + q.Encode()
	err := c.Fetcher.Get(ctx, u, func(body []byte) error {
		*r = oaiResponse{}
		return parseOAI(body, r)
	})
	if err != nil {
		return fmt.Errorf("oai-pmh %s: %w", q.Get("verb"), err)
	}
	if len(r.Errors) > 0 {
		e := r.Errors[0]
		return &OAIError{Code: strings.TrimSpace(e.Code), Message: strings.TrimSpace(e.Message)}
	}
	return nil
}

// parseOAI decodes a response; whatever is not a complete OAI-PMH document
// in valid UTF-8 is malformed.
func parseOAI(body []byte, r *oaiResponse) error {
	if !utf8.Valid(body) {
		i := invalidUTF8At(body)
		return malformed(fmt.Errorf("invalid UTF-8 at byte %d", i))
	}
	if err := xml.Unmarshal(body, r); err != nil {
		return malformed(err)
	}
	if r.XMLName.Local != "OAI-PMH" {
		return malformed(fmt.Errorf("root element <%s>, want <OAI-PMH>", r.XMLName.Local))
	}
	return nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

type oaiResponse struct {
	XMLName xml.Name
	Errors  []struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"error"`
	Identify *struct {
		Name              string `xml:"repositoryName"`
		BaseURL           string `xml:"baseURL"`
		ProtocolVersion   string `xml:"protocolVersion"`
		EarliestDatestamp string `xml:"earliestDatestamp"`
		DeletedRecord     string `xml:"deletedRecord"`
		Granularity       string `xml:"granularity"`
	} `xml:"Identify"`
	GetRecord *struct {
		Record oaiRecord `xml:"record"`
	} `xml:"GetRecord"`
	ListRecords *struct {
		Records []oaiRecord `xml:"record"`
		Token   *struct {
			Value  string `xml:",chardata"`
			Cursor string `xml:"cursor,attr"`
			Size   string `xml:"completeListSize,attr"`
		} `xml:"resumptionToken"`
	} `xml:"ListRecords"`
}

type oaiRecord struct {
	Header struct {
		Status     string   `xml:"status,attr"`
		Identifier string   `xml:"identifier"`
		Datestamp  string   `xml:"datestamp"`
		Sets       []string `xml:"setSpec"`
	} `xml:"header"`
	Metadata struct {
		ArXiv *arXivMeta    `xml:"arXiv"`
		Raw   *arXivRawMeta `xml:"arXivRaw"`
	} `xml:"metadata"`
}

func (r *oaiRecord) record() Record {
	h := r.Header
	rec := Record{
		Identifier: strings.TrimSpace(h.Identifier),
		Datestamp:  strings.TrimSpace(h.Datestamp),
		Sets:       h.Sets,
		Deleted:    strings.TrimSpace(h.Status) == "deleted",
	}
	if rec.Deleted {
		return rec
	}
	switch {
	case r.Metadata.Raw != nil:
		rec.Paper, rec.Err = r.Metadata.Raw.paper()
	case r.Metadata.ArXiv != nil:
		rec.Paper, rec.Err = r.Metadata.ArXiv.paper()
	default:
		rec.Err = errors.New("no arXiv or arXivRaw metadata")
	}
	if rec.Err != nil {
		rec.Err = fmt.Errorf("record %s: %w", rec.Identifier, rec.Err)
	}
	return rec
}

// PaperID returns the versionless arXiv id of a record's identifier
// ("oai:arXiv.org:2501.00001").
func (r Record) PaperID() (string, error) {
	local := r.Identifier
	if rest, ok := strings.CutPrefix(local, "oai:"); ok {
		if _, after, ok := strings.Cut(rest, ":"); ok {
			local = after
		}
	}
	id, err := arxiv.ParseID(local)
	if err != nil {
		return "", err
	}
	return id.Base, nil
}

// arXivMeta is the "arXiv" metadata format
// (http://arxiv.org/OAI/arXiv/): structured authors, dates without times and
// no version numbers.
type arXivMeta struct {
	ID      string `xml:"id"`
	Created string `xml:"created"`
	Updated string `xml:"updated"`
	Authors []struct {
		Keyname   string `xml:"keyname"`
		Forenames string `xml:"forenames"`
		Suffix    string `xml:"suffix"`
	} `xml:"authors>author"`
	oaiCommon
}

// paper converts the record. The format has no version numbers: a paper
// never updated is version 1; one that was is stored as version 0
// (unknown), which a harvest in arXivRaw or an import then completes. Its
// first version is dated at midnight of its creation day, and its listing
// is estimated as if it had been submitted that morning.
func (m *arXivMeta) paper() (store.Paper, error) {
	p, err := m.oaiCommon.paper(m.ID)
	if err != nil {
		return store.Paper{}, err
	}
	for _, a := range m.Authors {
		if name := ingest.CleanText(a.Forenames + " " + a.Keyname + " " + a.Suffix); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	created, err := time.Parse(time.DateOnly, strings.TrimSpace(m.Created))
	if err != nil {
		return store.Paper{}, fmt.Errorf("paper %s: bad created date %q", p.ID, m.Created)
	}
	p.FirstVersionAt = created
	p.ListedOn = arxiv.AnnouncementDate(created.Add(12 * time.Hour))
	if u := strings.TrimSpace(m.Updated); u != "" {
		updated, err := time.Parse(time.DateOnly, u)
		if err != nil {
			return store.Paper{}, fmt.Errorf("paper %s: bad updated date %q", p.ID, m.Updated)
		}
		p.LatestVersionAt = updated
	} else {
		p.Version = 1
		p.LatestVersionAt = created
		p.Versions = []store.Version{{Version: 1, Created: created}}
	}
	return p, nil
}

// arXivRawMeta is the "arXivRaw" metadata format
// (http://arxiv.org/OAI/arXivRaw/): every version with its date, authors as
// one string.
type arXivRawMeta struct {
	ID        string               `xml:"id"`
	Submitter string               `xml:"submitter"`
	Versions  []arxiv.VersionEntry `xml:"version"`
	Authors   string               `xml:"authors"`
	oaiCommon
}

func (m *arXivRawMeta) paper() (store.Paper, error) {
	p, err := m.oaiCommon.paper(m.ID)
	if err != nil {
		return store.Paper{}, err
	}
	p.Submitter = ingest.CleanText(m.Submitter)
	p.Authors = ingest.SplitAuthors(m.Authors)
	if err := ingest.SetVersions(&p, m.Versions); err != nil {
		return store.Paper{}, err
	}
	return p, nil
}

// oaiCommon are the fields both arXiv metadata formats share.
type oaiCommon struct {
	Title      string `xml:"title"`
	Categories string `xml:"categories"`
	Comments   string `xml:"comments"`
	ReportNo   string `xml:"report-no"`
	MSCClass   string `xml:"msc-class"`
	ACMClass   string `xml:"acm-class"`
	JournalRef string `xml:"journal-ref"`
	DOI        string `xml:"doi"`
	License    string `xml:"license"`
	Abstract   string `xml:"abstract"`
}

// paper fills in what both formats say of the paper with identifier id.
func (m *oaiCommon) paper(id string) (store.Paper, error) {
	aid, err := arxiv.ParseID(strings.TrimSpace(id))
	if err != nil {
		return store.Paper{}, err
	}
	p := store.Paper{
		ID:             aid.Base,
		Title:          ingest.CleanText(m.Title),
		Abstract:       ingest.CleanAbstract(m.Abstract),
		Comments:       ingest.CleanText(m.Comments),
		JournalRef:     ingest.CleanText(m.JournalRef),
		DOI:            strings.TrimSpace(m.DOI),
		ReportNo:       ingest.CleanText(m.ReportNo),
		License:        strings.TrimSpace(m.License),
		Classification: joinNonEmpty("; ", ingest.CleanText(m.MSCClass), ingest.CleanText(m.ACMClass)),
	}
	if p.Title == "" {
		return store.Paper{}, fmt.Errorf("paper %s: missing title", p.ID)
	}
	if p.Categories, _, err = ingest.ParseCategories(m.Categories); err != nil {
		return store.Paper{}, fmt.Errorf("paper %s: %w", p.ID, err)
	}
	return p, nil
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}
