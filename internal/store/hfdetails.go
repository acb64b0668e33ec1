package store

import "time"

// HFDetails keeps what Hugging Face's daily-papers items say beyond the
// columns paperboy queries, so that the API can answer in Hugging Face's
// shapes: the identifiers and objects its clients read. It is stored as
// one JSON column because nothing filters or sorts on it.
type HFDetails struct {
	DiscussionID string `json:"discussionId,omitempty"`
	// PublishedAt is Hugging Face's paper.publishedAt: arXiv's submission
	// time to the second, finer than a listing crawl's midnight.
	PublishedAt           time.Time  `json:"publishedAt,omitzero"`
	Authors               []HFAuthor `json:"authors,omitempty"`
	SubmittedBy           *HFUser    `json:"submittedBy,omitempty"`
	Organization          *HFOrg     `json:"organization,omitempty"`
	SubmitterOrganization *HFOrg     `json:"submitterOrganization,omitempty"`
	Thumbnail             string     `json:"thumbnail,omitempty"`
	MediaURLs             []string   `json:"mediaUrls,omitempty"`
	IsAuthorParticipating *bool      `json:"isAuthorParticipating,omitempty"`
}

// Empty reports whether d holds nothing.
func (d HFDetails) Empty() bool {
	return d.DiscussionID == "" && d.PublishedAt.IsZero() && len(d.Authors) == 0 && d.SubmittedBy == nil &&
		d.Organization == nil && d.SubmitterOrganization == nil && d.Thumbnail == "" && len(d.MediaURLs) == 0 &&
		d.IsAuthorParticipating == nil
}

// HFAuthor is an author entry of a Hugging Face paper: its own id, the
// name as written, and the account that claimed it, if any.
type HFAuthor struct {
	ID                  string    `json:"_id,omitempty"`
	Name                string    `json:"name"`
	Hidden              bool      `json:"hidden"`
	Status              string    `json:"status,omitempty"`
	StatusLastChangedAt time.Time `json:"statusLastChangedAt,omitzero"`
	User                *HFUser   `json:"user,omitempty"`
}

// HFUser is a Hugging Face account as its items show one. Name is the
// account's handle (Hugging Face spells it "user" in some objects and
// "name" in others); Fullname is the display name.
type HFUser struct {
	ID        string `json:"_id,omitempty"`
	Name      string `json:"name"`
	Fullname  string `json:"fullname,omitempty"`
	AvatarURL string `json:"avatarUrl,omitempty"`
	Type      string `json:"type,omitempty"`
	IsPro     bool   `json:"isPro,omitempty"`
}

// HFOrg is a Hugging Face organisation as items show one.
type HFOrg struct {
	ID       string `json:"_id,omitempty"`
	Name     string `json:"name"`
	Fullname string `json:"fullname,omitempty"`
	Avatar   string `json:"avatar,omitempty"`
}
