package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Community is what upvotes, comments, submissions, profiles and
// moderation read and write (*store.Store).
type Community interface {
	Vote(ctx context.Context, userID int64, paperID string) (int, error)
	Unvote(ctx context.Context, userID int64, paperID string) (int, error)
	VotedAmong(ctx context.Context, userID int64, ids []string) (map[string]bool, error)

	Comments(ctx context.Context, paperID string) ([]store.Comment, error)
	CommentByID(ctx context.Context, id int64) (store.Comment, error)
	AddComment(ctx context.Context, paperID string, userID, parentID int64, body string) (store.Comment, error)
	EditComment(ctx context.Context, id int64, by store.Actor, body string) (store.Comment, error)
	DeleteComment(ctx context.Context, id int64, by store.Actor, reason string) error

	Submit(ctx context.Context, paperID string, by store.Actor, rules store.SubmitRules) (store.Paper, error)

	UserByName(ctx context.Context, name string) (store.User, error)
	SubmittedPapers(ctx context.Context, userID int64, limit int) ([]store.Paper, error)
	UpvotedPapers(ctx context.Context, userID int64, limit int) ([]store.Paper, error)

	SetHidden(ctx context.Context, paperID string, hidden bool, by store.Actor, reason string) error
	SetSuspended(ctx context.Context, username string, suspended bool, by store.Actor, reason string) error
	HiddenPapers(ctx context.Context, limit int) ([]store.Paper, error)
	RecentComments(ctx context.Context, limit int) ([]store.Comment, error)
	AuditLog(ctx context.Context, limit int) ([]store.AuditEntry, error)
}

// PaperLookup fetches papers from arXiv and stores them, so that a paper
// paperboy has not harvested yet can be submitted.
type PaperLookup interface {
	LookupPapers(ctx context.Context, ids []string) error
}

// LookupFunc adapts a function to PaperLookup.
type LookupFunc func(ctx context.Context, ids []string) error

// LookupPapers calls f.
func (f LookupFunc) LookupPapers(ctx context.Context, ids []string) error { return f(ctx, ids) }

// SubmitOptions configure submissions to the daily list.
type SubmitOptions struct {
	// Lookup fetches unknown papers from arXiv; without it only papers
	// already stored can be submitted.
	Lookup PaperLookup
	// Rules limit submissions; DefaultSubmitRules when zero.
	Rules store.SubmitRules
}

// DefaultSubmitRules are Hugging Face's rules of thumb: recent papers only,
// a few a day per person.
var DefaultSubmitRules = store.SubmitRules{MaxAgeDays: 7, DailyCap: 5}

// Limits of community input.
const (
	maxCommentBytes = 10_000
	profileListSize = 30
	adminListSize   = 50
)

func (s *Server) communityRoutes() {
	if s.community == nil {
		return
	}
	s.handle("POST /papers/{id...}", s.paperAction)
	s.handle("POST /api/papers/{id...}", s.apiPaperAction)
	s.handle("DELETE /api/papers/{id...}", s.apiPaperDelete)
	s.handle("GET /comments/{id}/edit", s.editCommentPage)
	s.handle("POST /comments/{id}/edit", s.editComment)
	s.handle("POST /comments/{id}/delete", s.deleteComment)
	s.handle("PATCH /api/comments/{id}", s.apiEditComment)
	s.handle("DELETE /api/comments/{id}", s.apiDeleteComment)
	s.handle("GET /submit", s.submitPage)
	s.handle("POST /submit", s.submitForm)
	s.handle("POST /api/submit", s.apiSubmit)
	s.handle("GET /u/{name}", s.profilePage)
	s.handle("GET /admin", s.adminPage)
	s.handle("POST /admin/{action}", s.adminAction)
}

// errSignInToWrite answers API writes without a session or token.
var errSignInToWrite = problem.New(problem.Unauthorized, "sign in or send an API token (Authorization: Bearer ...)")

// signedIn returns the viewer of a write. Anonymous API requests get 401;
// anonymous pages are sent to sign in, coming back where they were.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (*Viewer, bool) {
	if v := viewerFrom(r.Context()); v != nil {
		return v, true
	}
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy"`)
		s.renderError(w, r, errSignInToWrite)
		return nil, false
	}
	next := r.URL.Path
	if r.Method != http.MethodGet {
		next = backTo(r, "/")
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil, false
}

// verified refuses votes, comments and submissions from accounts whose
// email address is not confirmed, which makes throw-away accounts costlier.
func verified(v *Viewer) error {
	if !v.Verified {
		return errForbidden("Confirm your email address first; /settings can send a new link.")
	}
	return nil
}

func actor(v *Viewer) store.Actor {
	return store.Actor{ID: v.ID, Name: v.Name, Moderator: v.IsModerator()}
}

func userKey(v *Viewer) string { return strconv.FormatInt(v.ID, 10) }

// backTo is where a form sends the browser after it is done: the page it
// came from if that was on this site, else fallback. Only a path is kept,
// so a forged Referer cannot redirect elsewhere.
func backTo(r *http.Request, fallback string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || !localPath(ref.Path) {
		return fallback
	}
	if ref.RawQuery != "" {
		return ref.Path + "?" + ref.RawQuery
	}
	return ref.Path
}

// localPath reports whether p is a path on this site rather than a
// protocol-relative or backslash trick.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, `\`)
}

// communityError turns the store's refusals into statuses and messages a
// client may see.
func communityError(now time.Time, err error) error {
	if err == nil {
		return nil
	}
	var dup *store.DuplicateError
	switch {
	case errors.As(err, &dup):
		return problem.New(problem.Conflict, "This paper is already on the daily list: /papers/"+dup.PaperID)
	case errors.Is(err, store.ErrForbidden):
		return errForbidden("You may not do that.")
	case errors.Is(err, store.ErrInvalidText):
		return errBadRequest("That holds characters that are not allowed (NUL or invalid UTF-8).")
	case errors.Is(err, store.ErrInvalid):
		return errBadRequest("That is empty.")
	case errors.Is(err, store.ErrTooOld):
		return problem.New(problem.Unprocessable, "This paper is too old for the daily list.")
	case errors.Is(err, store.ErrDailyCap):
		tomorrow := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		return problem.Wrap(err, problem.TooManyRequests, "You have submitted as many papers as you may today.").Retry(tomorrow.Sub(now))
	}
	return err
}

// --- upvotes -----------------------------------------------------------

// paperAction serves the forms posted to /papers/{id}/upvote and
// /papers/{id}/comments.
func (s *Server) paperAction(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	if rest, ok := strings.CutSuffix(raw, "/upvote"); ok {
		return s.upvoteForm(w, r, rest)
	}
	if rest, ok := strings.CutSuffix(raw, "/comments"); ok {
		return s.commentForm(w, r, rest)
	}
	return errNotFound("There is no page at this address.")
}

func (s *Server) apiPaperAction(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	if rest, ok := strings.CutSuffix(raw, "/upvote"); ok {
		return s.apiVote(w, r, rest, true)
	}
	if rest, ok := strings.CutSuffix(raw, "/comments"); ok {
		return s.apiAddComment(w, r, rest)
	}
	return errNotFound("not found")
}

func (s *Server) apiPaperDelete(w http.ResponseWriter, r *http.Request) error {
	if rest, ok := strings.CutSuffix(r.PathValue("id"), "/upvote"); ok {
		return s.apiVote(w, r, rest, false)
	}
	return errNotFound("not found")
}

// vote sets the viewer's upvote and returns the paper's total.
func (s *Server) vote(r *http.Request, v *Viewer, rawID string, up bool) (string, int, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return "", 0, errNotFound("There is no paper with this id.")
	}
	if err := verified(v); err != nil {
		return "", 0, err
	}
	if err := s.limit(r, "vote", userKey(v)); err != nil {
		return "", 0, err
	}
	var total int
	if up {
		total, err = s.community.Vote(r.Context(), v.ID, id.Base)
	} else {
		total, err = s.community.Unvote(r.Context(), v.ID, id.Base)
	}
	return id.Base, total, err
}

// apiVote serves POST and DELETE /api/papers/{id}/upvote: idempotent, and
// answered with the new total.
func (s *Server) apiVote(w http.ResponseWriter, r *http.Request, rawID string, up bool) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	_, total, err := s.vote(r, v, rawID, up)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"upvotes": total, "voted": up})
	return nil
}

// upvoteForm serves the upvote button without JavaScript: vote=up or
// vote=down, then back to the page.
func (s *Server) upvoteForm(w http.ResponseWriter, r *http.Request, rawID string) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	up := r.PostFormValue("vote") != "down"
	id, _, err := s.vote(r, v, rawID, up)
	if err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/papers/"+id), http.StatusSeeOther)
	return nil
}

// markVoted sets Voted on the cards the signed-in viewer upvoted.
func (s *Server) markVoted(r *http.Request, cards []card) error {
	v := viewerFrom(r.Context())
	if v == nil || s.community == nil || len(cards) == 0 {
		return nil
	}
	ids := make([]string, len(cards))
	for i := range cards {
		ids[i] = cards[i].ID
	}
	voted, err := s.community.VotedAmong(r.Context(), v.ID, ids)
	if err != nil {
		return err
	}
	for i := range cards {
		cards[i].Voted = voted[cards[i].ID]
	}
	return nil
}

// --- comments on the paper page --------------------------------------

// paperCommunity is the community part of a paper's page.
type paperCommunity struct {
	PaperID   string
	Upvotes   int
	Voted     bool
	Hidden    bool // shown to moderators only; others get a 404
	Count     int
	Threads   []commentView
	Viewer    *Viewer
	Moderator bool
}

// commentView is a comment as the page shows it.
type commentView struct {
	ID        int64
	Author    string
	Body      template.HTML
	Created   time.Time
	Edited    bool
	Deleted   bool
	CanEdit   bool
	CanDelete bool
	Replies   []commentView
}

// paperCommunity loads the votes and comments of a paper's page. A hidden
// paper is not found, except by moderators, who see it marked.
func (s *Server) paperCommunity(r *http.Request, p *store.Paper) (*paperCommunity, error) {
	v := viewerFrom(r.Context())
	if p.Community.Hidden && !v.IsModerator() {
		return nil, errNotFound("There is no paper " + p.ID + " here. It may not be imported yet.")
	}
	if s.community == nil {
		return nil, nil
	}
	ctx := r.Context()
	pc := &paperCommunity{
		PaperID: p.ID, Upvotes: p.Community.TotalUpvotes(), Hidden: p.Community.Hidden,
		Count: p.Community.Comments, Viewer: v, Moderator: v.IsModerator(),
	}
	if v != nil {
		voted, err := s.community.VotedAmong(ctx, v.ID, []string{p.ID})
		if err != nil {
			return nil, err
		}
		pc.Voted = voted[p.ID]
	}
	threads, err := s.community.Comments(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range threads {
		cv := toCommentView(&c, v)
		for _, reply := range c.Replies {
			cv.Replies = append(cv.Replies, toCommentView(&reply, v))
		}
		pc.Threads = append(pc.Threads, cv)
	}
	return pc, nil
}

func toCommentView(c *store.Comment, v *Viewer) commentView {
	mine := v != nil && v.ID == c.UserID
	cv := commentView{
		ID: c.ID, Author: c.Username, Created: c.CreatedAt, Edited: c.Edited(), Deleted: c.Deleted(),
		CanEdit: mine && !c.Deleted(), CanDelete: (mine || v.IsModerator()) && !c.Deleted(),
	}
	if !c.Deleted() {
		cv.Body = renderMarkdown(c.Body)
	}
	return cv
}

// commentText checks a comment's text from a form or the API.
func commentText(text string) (string, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return "", errBadRequest("A comment needs some text.")
	}
	// Bytes, not characters: they bound what storing and rendering cost.
	if len(text) > maxCommentBytes {
		return "", errBadRequest(fmt.Sprintf("A comment may be at most %d bytes; this one has %d.", maxCommentBytes, len(text)))
	}
	return text, nil
}

func (s *Server) addComment(r *http.Request, v *Viewer, rawID, text string, parent int64) (store.Comment, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return store.Comment{}, errNotFound("There is no paper with this id.")
	}
	if err := verified(v); err != nil {
		return store.Comment{}, err
	}
	if text, err = commentText(text); err != nil {
		return store.Comment{}, err
	}
	if err := s.limit(r, "comment", userKey(v)); err != nil {
		return store.Comment{}, err
	}
	c, err := s.community.AddComment(r.Context(), id.Base, v.ID, parent, text)
	if err != nil {
		return store.Comment{}, communityError(s.now(), err)
	}
	return c, nil
}

// commentForm serves the comment and reply forms of a paper's page.
func (s *Server) commentForm(w http.ResponseWriter, r *http.Request, rawID string) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var parent int64
	if p := r.PostFormValue("parent_id"); p != "" {
		var err error
		if parent, err = strconv.ParseInt(p, 10, 64); err != nil {
			return errBadRequest("parent_id: want a comment id")
		}
	}
	c, err := s.addComment(r, v, rawID, r.PostFormValue("text"), parent)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/papers/%s#c%d", c.PaperID, c.ID), http.StatusSeeOther)
	return nil
}

// apiComment is a comment in the API.
type apiComment struct {
	ID        int64         `json:"id"`
	PaperID   string        `json:"paperId"`
	Author    apiUser       `json:"author"`
	ParentID  *int64        `json:"parentId,omitempty"`
	Text      string        `json:"text"`
	HTML      template.HTML `json:"html"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
	Deleted   bool          `json:"deleted,omitempty"`
	Replies   []apiComment  `json:"replies,omitempty"`
}

func toAPIComment(c *store.Comment) apiComment {
	out := apiComment{
		ID: c.ID, PaperID: c.PaperID, Author: apiUser{User: c.Username}, Text: c.Body,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Deleted: c.Deleted(),
	}
	if !c.Deleted() {
		out.HTML = renderMarkdown(c.Body)
	}
	if c.ParentID != 0 {
		parent := c.ParentID
		out.ParentID = &parent
	}
	for _, reply := range c.Replies {
		out.Replies = append(out.Replies, toAPIComment(&reply))
	}
	return out
}

// apiComments serves GET /api/papers/{id}/comments: the threads, oldest
// first.
func (s *Server) apiComments(w http.ResponseWriter, r *http.Request, rawID string) error {
	if s.community == nil {
		return errNotFound("not found")
	}
	p, err := s.apiVisiblePaper(r, rawID)
	if err != nil {
		return err
	}
	threads, err := s.community.Comments(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]apiComment, 0, len(threads))
	for i := range threads {
		out = append(out, toAPIComment(&threads[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": out})
	return nil
}

// apiAddComment serves POST /api/papers/{id}/comments with
// {"text": ..., "parent_id": ...}: 201 and the comment.
func (s *Server) apiAddComment(w http.ResponseWriter, r *http.Request, rawID string) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var in struct {
		Text     string `json:"text"`
		ParentID int64  `json:"parent_id"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.addComment(r, v, rawID, in.Text, in.ParentID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/papers/%s#c%d", c.PaperID, c.ID))
	writeJSON(w, http.StatusCreated, toAPIComment(&c))
	return nil
}

func commentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errNotFound("There is no such comment.")
	}
	return id, nil
}

// commentTarget returns the viewer and the comment id of a request to
// /comments/{id} or /api/comments/{id}. When ok is false the request is
// answered already (a sign-in redirect or 401) or err says what is wrong.
func (s *Server) commentTarget(w http.ResponseWriter, r *http.Request) (v *Viewer, id int64, ok bool, err error) {
	v, ok = s.signedIn(w, r)
	if !ok {
		return nil, 0, false, nil
	}
	if id, err = commentID(r); err != nil {
		return nil, 0, false, err
	}
	return v, id, true, nil
}

// updateComment replaces the text of the viewer's comment.
func (s *Server) updateComment(w http.ResponseWriter, r *http.Request, v *Viewer, id int64, text string) (store.Comment, error) {
	text, err := commentText(text)
	if err != nil {
		return store.Comment{}, err
	}
	if err := s.limit(r, "comment", userKey(v)); err != nil {
		return store.Comment{}, err
	}
	c, err := s.community.EditComment(r.Context(), id, actor(v), text)
	if err != nil {
		return store.Comment{}, communityError(s.now(), err)
	}
	return c, nil
}

// removeComment deletes a comment as the viewer, its author or a
// moderator.
func (s *Server) removeComment(w http.ResponseWriter, r *http.Request, v *Viewer, id int64, reason string) error {
	if err := s.community.DeleteComment(r.Context(), id, actor(v), reason); err != nil {
		return communityError(s.now(), err)
	}
	return nil
}

type editCommentPage struct {
	Page
	Comment store.Comment
	Text    string
	Error   string
}

// editCommentPage serves the form that edits one's own comment.
func (s *Server) editCommentPage(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.commentTarget(w, r)
	if !ok {
		return err
	}
	c, err := s.community.CommentByID(r.Context(), id)
	if err != nil || c.Deleted() {
		return errNotFound("There is no such comment.")
	}
	if c.UserID != v.ID {
		return errForbidden("You can only edit your own comments.")
	}
	return s.render(w, r, "community_edit.html", &editCommentPage{
		Page: Page{Title: "Edit comment", NoIndex: true}, Comment: c, Text: c.Body,
	})
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.commentTarget(w, r)
	if !ok {
		return err
	}
	c, err := s.updateComment(w, r, v, id, r.PostFormValue("text"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/papers/%s#c%d", c.PaperID, c.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.commentTarget(w, r)
	if !ok {
		return err
	}
	c, err := s.community.CommentByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.removeComment(w, r, v, id, r.PostFormValue("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "/papers/"+c.PaperID+"#comments"), http.StatusSeeOther)
	return nil
}

// apiEditComment serves PATCH /api/comments/{id} with {"text": ...}.
func (s *Server) apiEditComment(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.commentTarget(w, r)
	if !ok {
		return err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.updateComment(w, r, v, id, in.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIComment(&c))
	return nil
}

// apiDeleteComment serves DELETE /api/comments/{id}: 204.
func (s *Server) apiDeleteComment(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.commentTarget(w, r)
	if !ok {
		return err
	}
	if err := s.removeComment(w, r, v, id, r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- submissions ---------------------------------------------------------

type submitPage struct {
	Page
	Input    string
	Error    string
	Existing string // the page of the paper already on the list
	Rules    store.SubmitRules
}

func (s *Server) submitRules() store.SubmitRules {
	if s.submit.Rules == (store.SubmitRules{}) {
		return DefaultSubmitRules
	}
	return s.submit.Rules
}

func (s *Server) submitPage(w http.ResponseWriter, r *http.Request) error {
	if _, ok := s.signedIn(w, r); !ok {
		return nil
	}
	return s.render(w, r, "community_submit.html", &submitPage{
		Page: Page{Title: "Submit a paper", NoIndex: true}, Rules: s.submitRules(),
	})
}

// submitPaper submits an arXiv id or URL for the viewer, fetching the paper
// from arXiv first when it is not stored and a lookup is configured.
func (s *Server) submitPaper(r *http.Request, v *Viewer, input string) (store.Paper, error) {
	id, err := arxiv.ParseID(input)
	if err != nil {
		return store.Paper{}, errBadRequest("That is not an arXiv id or URL (try 2505.24864 or https://arxiv.org/abs/2505.24864).")
	}
	if err := verified(v); err != nil {
		return store.Paper{}, err
	}
	if err := s.limit(r, "submit", userKey(v)); err != nil {
		return store.Paper{}, err
	}
	ctx := r.Context()
	if _, err := s.papers.Paper(ctx, id.Base); isNotFound(err) && s.submit.Lookup != nil {
		if err := s.submit.Lookup.LookupPapers(ctx, []string{id.Base}); err != nil {
			s.log.Warn("submit: arXiv lookup failed", "id", id.Base, "err", err)
			return store.Paper{}, problem.New(problem.Upstream, "arXiv did not answer; please try again later.")
		}
	} else if err != nil && !isNotFound(err) {
		return store.Paper{}, err
	}
	p, err := s.community.Submit(ctx, id.Base, actor(v), s.submitRules())
	if isNotFound(err) {
		return store.Paper{}, errNotFound("There is no arXiv paper " + id.Base + " that paperboy knows of.")
	}
	return p, err
}

func (s *Server) submitForm(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	input := strings.TrimSpace(r.PostFormValue("id"))
	p, err := s.submitPaper(r, v, input)
	if err == nil {
		http.Redirect(w, r, "/papers/"+p.ID, http.StatusSeeOther)
		return nil
	}
	var dup *store.DuplicateError
	page := &submitPage{Page: Page{Title: "Submit a paper", NoIndex: true}, Input: input, Rules: s.submitRules()}
	if errors.As(err, &dup) {
		page.Existing = "/papers/" + dup.PaperID
	}
	// The form shows the refusals of the rules; the rest is an error page.
	refusal := problem.As(communityError(s.now(), err))
	if refusal == nil || refusal.Kind == problem.Internal {
		return err
	}
	page.Error = refusal.Message
	setRetryAfter(w, refusal)
	if page.Existing != "" {
		page.Error = "This paper is already on the daily list."
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return s.renderWithStatus(w, r, httpStatus(refusal), "community_submit.html", page)
}

// renderWithStatus renders a page with a status other than 200.
func (s *Server) renderWithStatus(w http.ResponseWriter, r *http.Request, status int, name string, data interface{ page() *Page }) error {
	rec := &statusOnce{ResponseWriter: w, status: status}
	return s.render(rec, r, name, data)
}

// statusOnce writes its status in place of the implicit 200.
type statusOnce struct {
	http.ResponseWriter
	status int
	done   bool
}

func (w *statusOnce) Write(b []byte) (int, error) {
	if !w.done {
		w.done = true
		w.ResponseWriter.WriteHeader(w.status)
	}
	return w.ResponseWriter.Write(b)
}

// apiSubmit serves POST /api/submit with {"id": "2505.24864"}: 201 and the
// paper; a duplicate is 409 with the existing paper's address.
func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil
	}
	var in struct {
		ID string `json:"id"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	p, err := s.submitPaper(r, v, in.ID)
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		writeJSON(w, http.StatusConflict, map[string]string{
			"error": "already on the daily list", "id": dup.PaperID, "url": s.baseURL + "/papers/" + dup.PaperID,
		})
		return nil
	}
	if err != nil {
		return communityError(s.now(), err)
	}
	w.Header().Set("Location", "/papers/"+p.ID)
	writeJSON(w, http.StatusCreated, toAPIPaper(&p))
	return nil
}

// --- profiles ------------------------------------------------------------

type profilePage struct {
	Page
	User      store.User
	Submitted []card
	Upvoted   []card
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.community.UserByName(ctx, r.PathValue("name"))
	if err != nil {
		if isNotFound(err) {
			return errNotFound("There is no user of that name.")
		}
		return err
	}
	submitted, err := s.community.SubmittedPapers(ctx, u.ID, profileListSize)
	if err != nil {
		return err
	}
	upvoted, err := s.community.UpvotedPapers(ctx, u.ID, profileListSize)
	if err != nil {
		return err
	}
	pp := &profilePage{
		Page: Page{Title: u.Username, Canonical: "/u/" + u.Username, Description: "Papers submitted and upvoted by " + u.Username + "."},
		User: u, Submitted: toCards(submitted, 1), Upvoted: toCards(upvoted, 1),
	}
	if err := s.markVoted(r, pp.Submitted); err != nil {
		return err
	}
	if err := s.markVoted(r, pp.Upvoted); err != nil {
		return err
	}
	return s.render(w, r, "community_profile.html", pp)
}

// --- moderation ------------------------------------------------------------

type adminPage struct {
	Page
	Hidden   []card
	Comments []store.Comment
	Audit    []store.AuditEntry
	Done     string
}

// moderator returns the viewer if they moderate; others get 403.
func (s *Server) moderator(w http.ResponseWriter, r *http.Request) (*Viewer, bool, error) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return nil, false, nil
	}
	if !v.IsModerator() {
		return nil, false, errForbidden("This page is for moderators.")
	}
	return v, true, nil
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) error {
	_, ok, err := s.moderator(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	hidden, err := s.community.HiddenPapers(ctx, adminListSize)
	if err != nil {
		return err
	}
	comments, err := s.community.RecentComments(ctx, adminListSize)
	if err != nil {
		return err
	}
	audit, err := s.community.AuditLog(ctx, adminListSize)
	if err != nil {
		return err
	}
	return s.render(w, r, "community_admin.html", &adminPage{
		Page: Page{Title: "Moderation", NoIndex: true}, Hidden: toCards(hidden, 1), Comments: comments, Audit: audit,
		Done: r.URL.Query().Get("done"),
	})
}

// adminAction serves the moderation forms: hide, unhide, suspend,
// unsuspend and delete-comment.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.moderator(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	target := strings.TrimSpace(r.PostFormValue("target"))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	by := actor(v)
	action := r.PathValue("action")
	switch action {
	case "hide", "unhide":
		id, perr := arxiv.ParseID(target)
		if perr != nil {
			return errBadRequest("target: want an arXiv id")
		}
		err = s.community.SetHidden(ctx, id.Base, action == "hide", by, reason)
	case "suspend", "unsuspend":
		err = s.community.SetSuspended(ctx, target, action == "suspend", by, reason)
	case "delete-comment":
		id, perr := strconv.ParseInt(target, 10, 64)
		if perr != nil {
			return errBadRequest("target: want a comment id")
		}
		err = s.community.DeleteComment(ctx, id, by, reason)
	default:
		return errNotFound("There is no such moderation action.")
	}
	if err != nil {
		if isNotFound(err) {
			return errNotFound("There is no " + target + ".")
		}
		return communityError(s.now(), err)
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape(action+" "+target), http.StatusSeeOther)
	return nil
}
