package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/authors"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// AuthorStore is what author pages, follows and claims read and write
// (*store.Store).
type AuthorStore = authors.Store

// Saver and Topics plug the library and topics into follows and claims
// (authors.Service).
type (
	Saver  = authors.Saver
	Topics = authors.Topics
)

func (s *Server) authorRoutes() {
	if s.authors == nil {
		return
	}
	s.handle("GET /authors/{name}", s.authorPage)
	s.handle("GET /following", s.followingPage)
	s.handle("POST /following", s.followForm)
	s.handle("GET /api/follows", s.apiFollows)
	s.handle("PUT /api/follows/{kind}/{value...}", s.apiFollow)
	s.handle("DELETE /api/follows/{kind}/{value...}", s.apiFollow)
	s.handle("POST /admin/claims/{decision}", s.decideClaim)
}

// authorMember is the viewer as the authors service knows them.
func authorMember(v *Viewer) authors.Member {
	return authors.Member{ID: v.ID, Name: v.Name, Moderator: v.IsModerator(), Verified: v.Verified}
}

// authorPath is the address of an author's page.
func authorPath(name string) string {
	return "/authors/" + url.PathEscape(strings.TrimSpace(name))
}

// followButton is a follow or unfollow form, without script.
type followButton struct {
	Kind, Value, Label string
	Following          bool
}

type authorPageData struct {
	Page
	A      authors.Page
	Cards  []card
	Follow *followButton // nil for anonymous readers
}

func (s *Server) authorPage(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	a, err := s.authors.AuthorPage(r.Context(), name)
	if err != nil {
		return err
	}
	d := &authorPageData{
		Page: Page{
			Title:       a.Name,
			Description: "Papers listed under the name " + a.Name + " on paperboy, with co-authors and categories.",
			Canonical:   authorPath(a.Name),
			Feeds:       feedLinks("Papers by "+a.Name, "author", url.Values{"name": {a.Name}}),
		},
		A: a, Cards: toCards(a.Papers, 1),
	}
	if v := viewerFrom(r.Context()); v != nil {
		following, err := s.authors.IsFollowing(r.Context(), authorMember(v), store.FollowAuthor, a.Key)
		if err != nil {
			return err
		}
		d.Follow = &followButton{Kind: store.FollowAuthor, Value: a.Name, Label: a.Name, Following: following}
	}
	if err := s.markVoted(r, d.Cards); err != nil {
		return err
	}
	return s.render(w, r, "author.html", d)
}

type followingPageData struct {
	Page
	Follows []store.Follow
	Done    string
}

// followingPage lists what the viewer follows, each with an unfollow
// button, and a form to follow more.
func (s *Server) followingPage(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	follows, err := s.authors.Follows(r.Context(), authorMember(v))
	if err != nil {
		return err
	}
	return s.render(w, r, "following.html", &followingPageData{
		Page: Page{Title: "Following", NoIndex: true}, Follows: follows, Done: r.URL.Query().Get("done"),
	})
}

// followForm serves the follow and unfollow buttons: kind, value and
// follow=1 or 0, then back to the page they were on.
func (s *Server) followForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	kind, value := r.PostFormValue("kind"), r.PostFormValue("value")
	m := authorMember(v)
	limit := s.limitMember(r, "follow", v)
	done := "followed"
	if r.PostFormValue("follow") == "0" {
		done = "unfollowed"
		if _, err := s.authors.Unfollow(r.Context(), m, kind, value, limit); err != nil {
			return err
		}
	} else if _, err := s.authors.Follow(r.Context(), m, kind, value, limit); err != nil {
		return err
	}
	back := backTo(r, "/following")
	if strings.HasPrefix(back, "/following") {
		back = "/following?done=" + url.QueryEscape(done+" "+strings.TrimSpace(value))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

type apiFollow struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

func (s *Server) apiFollows(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	follows, err := s.authors.Follows(r.Context(), authorMember(v))
	if err != nil {
		return err
	}
	out := make([]apiFollow, len(follows))
	for i, f := range follows {
		out[i] = apiFollow{Kind: f.Kind, Value: f.Value, Label: f.Label, CreatedAt: f.CreatedAt.UTC()}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiFollow serves PUT and DELETE /api/follows/{kind}/{value}: both
// idempotent.
func (s *Server) apiFollow(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	kind, value := r.PathValue("kind"), r.PathValue("value")
	m := authorMember(v)
	limit := s.limitMember(r, "follow", v)
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodDelete {
		if _, err := s.authors.Unfollow(r.Context(), m, kind, value, limit); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"kind": kind, "following": false})
		return nil
	}
	f, err := s.authors.Follow(r.Context(), m, kind, value, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": f.Kind, "value": f.Value, "label": f.Label, "following": true})
	return nil
}

// --- claims ------------------------------------------------------------

// paperClaims is what the paper page shows of claims: the verified
// authors by position, and the viewer's own claim.
type paperClaims struct {
	Verified map[int]string // author position -> username
	Mine     *store.Claim
	PaperID  string
	Authors  []string
	SignedIn bool
}

func (s *Server) paperClaims(r *http.Request, p *store.Paper) (*paperClaims, error) {
	if s.authors == nil {
		return nil, nil
	}
	v := viewerFrom(r.Context())
	var viewer int64
	if v != nil {
		viewer = v.ID
	}
	claims, err := s.authors.PaperClaims(r.Context(), p.ID, viewer)
	if err != nil {
		return nil, err
	}
	pc := &paperClaims{Verified: map[int]string{}, PaperID: p.ID, Authors: p.Authors, SignedIn: v != nil}
	for i := range claims {
		c := &claims[i]
		if c.Status == store.ClaimApproved {
			pc.Verified[c.Position] = c.Username
		}
		if c.UserID == viewer {
			pc.Mine = c
		}
	}
	return pc, nil
}

// claimForm serves the claim button of the paper page (author=position)
// and its withdraw button (withdraw=1).
func (s *Server) claimForm(w http.ResponseWriter, r *http.Request, rawID string) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	if s.authors == nil {
		return errNotFound("There is no page at this address.")
	}
	limit := s.limitMember(r, "claim", v)
	if r.PostFormValue("withdraw") == "1" {
		if _, err := s.authors.Withdraw(r.Context(), authorMember(v), rawID, limit); err != nil {
			return err
		}
	} else {
		pos, err := strconv.Atoi(r.PostFormValue("author"))
		if err != nil {
			return problem.New(problem.Invalid, "author: choose which of the paper's authors you are")
		}
		if _, err := s.authors.Claim(r.Context(), authorMember(v), rawID, pos, limit); err != nil {
			return err
		}
	}
	http.Redirect(w, r, backTo(r, "/papers/"+rawID)+"#claim", http.StatusSeeOther)
	return nil
}

type apiClaim struct {
	PaperID  string `json:"paper_id"`
	Position int    `json:"position"`
	Author   string `json:"author"`
	Status   string `json:"status"`
}

// apiClaimPaper serves POST /api/papers/{id}/claim {"position": N} and
// DELETE, which withdraws a pending claim.
func (s *Server) apiClaimPaper(w http.ResponseWriter, r *http.Request, rawID string) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	if s.authors == nil {
		return errNotFound("not found")
	}
	limit := s.limitMember(r, "claim", v)
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodDelete {
		withdrawn, err := s.authors.Withdraw(r.Context(), authorMember(v), rawID, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]bool{"withdrawn": withdrawn})
		return nil
	}
	var body struct {
		Position *int `json:"position"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if body.Position == nil {
		return problem.New(problem.Invalid, `position: want {"position": N}, the author you are, 0 for the first`)
	}
	c, err := s.authors.Claim(r.Context(), authorMember(v), rawID, *body.Position, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, apiClaim{PaperID: c.PaperID, Position: c.Position, Author: c.Author, Status: c.Status})
	return nil
}

// decideClaim serves the moderation page's approve and reject buttons.
func (s *Server) decideClaim(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.staff(w, r, roleModerator)
	if !ok {
		return err
	}
	decision := r.PathValue("decision")
	if decision != "approve" && decision != "reject" {
		return errNotFound("There is no such moderation action.")
	}
	userID, err := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	if err != nil {
		return problem.New(problem.Invalid, "user: want a user id")
	}
	paperID := strings.TrimSpace(r.PostFormValue("paper"))
	c, err := s.authors.Decide(r.Context(), authorMember(v), userID, paperID, decision == "approve")
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape(decision+" claim of "+c.PaperID+" by "+c.Username), http.StatusSeeOther)
	return nil
}

// claimedCards are the papers a member is a verified author of.
func (s *Server) claimedCards(r *http.Request, userID int64) ([]card, error) {
	if s.authors == nil {
		return nil, nil
	}
	claims, err := s.authors.UserClaims(r.Context(), userID, profileListSize)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(claims))
	for i, c := range claims {
		ids[i] = c.PaperID
	}
	papers, err := s.papers.PapersByID(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	var visible []store.Paper
	for _, p := range papers {
		if !p.Community.Hidden {
			visible = append(visible, p)
		}
	}
	return toCards(visible, 1), nil
}
