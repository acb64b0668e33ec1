package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Paper is one paper: its metadata and its community data.
type Paper struct {
	ID         string // versionless arXiv id
	Version    int    // latest known version; 0 when only Hugging Face data is known
	Title      string
	Abstract   string // LaTeX kept as written
	Authors    []string
	Categories []string // primary first
	// Classification holds MSC or ACM classes as the source gives them
	// ("68T45 (Primary), I.2.10"), free text.
	Classification string
	Comments       string
	JournalRef     string
	DOI            string
	ReportNo       string
	License        string
	Submitter      string
	Versions       []Version
	// FirstVersionAt and LatestVersionAt are the submission times of the
	// first and latest versions; ListedOn is the date of the listing that
	// announced the paper. Zero when unknown.
	FirstVersionAt  time.Time
	LatestVersionAt time.Time
	ListedOn        time.Time
	Source          Source

	Community Community

	// ArrivedVia says where the paper first came from ("arXiv OAI-PMH, set
	// cs"); set by the importer or harvester, stored on insert only, and
	// never part of the metadata hash. CreatedAt is when.
	ArrivedVia string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// PrimaryCategory is the first category, or "".
func (p Paper) PrimaryCategory() string {
	if len(p.Categories) == 0 {
		return ""
	}
	return p.Categories[0]
}

// Version is one entry of a paper's version history.
type Version struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
}

// Source says where a paper's metadata came from. arXiv's wins over
// Hugging Face's.
type Source string

// The metadata sources.
const (
	SourceArxiv Source = "arxiv"
	SourceHF    Source = "hf"
)

// Community is what the community said about a paper: Hugging Face's daily
// list data for now, paperboy's own votes and comments later.
type Community struct {
	Upvotes          int       // imported base count
	DailyOn          time.Time // the day the paper was on the daily list
	DailySubmittedAt time.Time
	DailySubmitter   string // who put it on the daily list
	GitHubRepo       string
	GitHubStars      int // -1 when unknown
	NumComments      int
	AISummary        string
	AIKeywords       []string
	ProjectPage      string
	// HF holds the rest of Hugging Face's item: objects and identifiers
	// the API returns as Hugging Face does.
	HF HFDetails

	// Votes and Comments are paperboy's own upvotes and visible comments,
	// counted by database triggers; Hidden is set by moderators. They are
	// not Hugging Face's data, so the import fingerprint leaves them out.
	Votes    int  `json:"-"`
	Comments int  `json:"-"`
	Hidden   bool `json:"-"`
}

// TotalUpvotes is the count shown: imported upvotes plus paperboy's own.
func (c Community) TotalUpvotes() int { return c.Upvotes + c.Votes }

// TotalComments is Hugging Face's comment count plus paperboy's own.
func (c Community) TotalComments() int { return c.NumComments + c.Comments }

// metaHash fingerprints the metadata that an import may change, so that a
// re-import of the same record is recognised as unchanged.
func (p *Paper) metaHash() string {
	return hashJSON(struct {
		V                     int
		T, A                  string
		Au, C                 []string
		Cl                    string
		Cm, JR, DOI, RN, L, S string
		Vs                    []Version
		First, Latest, Listed time.Time
		Src                   Source
	}{p.Version, p.Title, p.Abstract, nonNil(p.Authors), nonNil(p.Categories), p.Classification, p.Comments, p.JournalRef, p.DOI,
		p.ReportNo, p.License, p.Submitter, nonNil(p.Versions), p.FirstVersionAt, p.LatestVersionAt, p.ListedOn, p.Source})
}

func (c *Community) hash() string {
	n := *c
	n.AIKeywords = nonNil(n.AIKeywords)
	return hashJSON(n)
}

func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings, ints and times always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
