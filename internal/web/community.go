package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/community"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Community is what upvotes, comments, submissions, profiles and
// moderation read and write (*store.Store): the community service's store.
type Community = community.Store

// PaperLookup, LookupFunc and SubmitOptions configure submissions
// (community.Service).
type (
	PaperLookup   = community.PaperLookup
	LookupFunc    = community.LookupFunc
	SubmitOptions = community.SubmitOptions
)

// Limits of community input.
const (
	maxCommentBytes = community.MaxCommentBytes
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

// member is the viewer as the community service knows them.
func member(v *Viewer) community.Member {
	return community.Member{ID: v.ID, Name: v.Name, Moderator: v.IsModerator(), Verified: v.Verified}
}

// limitMember returns the rate limit of the viewer's action, for the
// community service to take once the request is known to be valid.
func (s *Server) limitMember(r *http.Request, action string, v *Viewer) func() error {
	return func() error { return s.limit(r, action, strconv.FormatInt(v.ID, 10)) }
}

// backTo is where a form sends the browser after it is done: the page it
// came from if that was on this site, else fallback. Only a path is kept,
// so a forged Referer cannot redirect elsewhere.
func backTo(r *http.Request, fallback string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || !localPath(ref.Path) {
		return fallback
	}
	// Escaped, so that a path with spaces (an author's page) stays one URL.
	if ref.RawQuery != "" {
		return ref.EscapedPath() + "?" + ref.RawQuery
	}
	return ref.EscapedPath()
}

// localPath reports whether p is a path on this site rather than a
// protocol-relative or backslash trick.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, `\`)
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
	if rest, ok := strings.CutSuffix(raw, "/claim"); ok {
		return s.claimForm(w, r, rest)
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
	if rest, ok := strings.CutSuffix(raw, "/claim"); ok {
		return s.apiClaimPaper(w, r, rest)
	}
	return errNotFound("not found")
}

func (s *Server) apiPaperDelete(w http.ResponseWriter, r *http.Request) error {
	if rest, ok := strings.CutSuffix(r.PathValue("id"), "/upvote"); ok {
		return s.apiVote(w, r, rest, false)
	}
	if rest, ok := strings.CutSuffix(r.PathValue("id"), "/claim"); ok {
		return s.apiClaimPaper(w, r, rest)
	}
	return errNotFound("not found")
}

// vote sets the viewer's upvote and returns the paper's total.
func (s *Server) vote(r *http.Request, v *Viewer, rawID string, up bool) (string, int, error) {
	return s.communityService.Vote(r.Context(), member(v), rawID, up, s.limitMember(r, "vote", v))
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
	if err := s.markSaved(r, cards); err != nil { // library.go
		return err
	}
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

func (s *Server) addComment(r *http.Request, v *Viewer, rawID, text string, parent int64) (store.Comment, error) {
	return s.communityService.AddComment(r.Context(), member(v), rawID, text, parent, s.limitMember(r, "comment", v))
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
func (s *Server) updateComment(r *http.Request, v *Viewer, id int64, text string) (store.Comment, error) {
	return s.communityService.EditComment(r.Context(), member(v), id, text, s.limitMember(r, "comment", v))
}

// removeComment deletes a comment as the viewer, its author or a
// moderator.
func (s *Server) removeComment(r *http.Request, v *Viewer, id int64, reason string) error {
	return s.communityService.DeleteComment(r.Context(), member(v), id, reason)
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
	c, err := s.communityService.CommentToEdit(r.Context(), member(v), id)
	if err != nil {
		return err
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
	c, err := s.updateComment(r, v, id, r.PostFormValue("text"))
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
	if err := s.removeComment(r, v, id, r.PostFormValue("reason")); err != nil {
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
	c, err := s.updateComment(r, v, id, in.Text)
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
	if err := s.removeComment(r, v, id, r.URL.Query().Get("reason")); err != nil {
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

func (s *Server) submitPage(w http.ResponseWriter, r *http.Request) error {
	if _, ok := s.signedIn(w, r); !ok {
		return nil
	}
	return s.render(w, r, "community_submit.html", &submitPage{
		Page: Page{Title: "Submit a paper", NoIndex: true}, Rules: s.communityService.Rules(),
	})
}

// submitPaper submits an arXiv id or URL for the viewer.
func (s *Server) submitPaper(r *http.Request, v *Viewer, input string) (store.Paper, error) {
	return s.communityService.SubmitPaper(r.Context(), member(v), input, s.limitMember(r, "submit", v))
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
	page := &submitPage{Page: Page{Title: "Submit a paper", NoIndex: true}, Input: input, Rules: s.communityService.Rules()}
	if errors.As(err, &dup) {
		page.Existing = "/papers/" + dup.PaperID
	}
	// The form shows the refusals of the rules; the rest is an error page.
	refusal := problem.As(err)
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
		return err
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
	Authored  []card // approved claims of authorship
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
	if pp.Authored, err = s.claimedCards(r, u.ID); err != nil {
		return err
	}
	if err := s.markVoted(r, pp.Authored); err != nil {
		return err
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
	Comments []adminComment
	Audit    []store.AuditEntry
	Claims   []store.Claim // waiting for a decision
	Done     string
}

// adminComment is a comment as moderators see it: its Markdown rendered by
// the same safe renderer as the comment pages.
type adminComment struct {
	store.Comment
	HTML template.HTML
}

// staff gates every admin page and form alike: a signed-out visitor is
// sent to sign in and brought back (the API gets 401), a signed-in one
// without the role gets 403. ok is false when the request was answered or
// refused (err).
func (s *Server) staff(w http.ResponseWriter, r *http.Request, role string) (v *Viewer, ok bool, err error) {
	v = viewerFrom(r.Context())
	if v == nil {
		if isAPI(r) || r.Method != http.MethodGet {
			_, _ = s.signedIn(w, r)
			return nil, false, nil
		}
		// A GET comes back to the same page, query included (a digest preview).
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, false, nil
	}
	switch {
	case role == roleAdmin && !v.IsAdmin():
		return nil, false, errForbidden("This page is for administrators.")
	case role == roleModerator && !v.IsModerator():
		return nil, false, errForbidden("This page is for moderators.")
	}
	return v, true, nil
}

// The roles staff checks.
const (
	roleModerator = "moderator"
	roleAdmin     = "admin"
)

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) error {
	_, ok, err := s.staff(w, r, roleModerator)
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
	var claims []store.Claim
	if s.authors != nil {
		if claims, err = s.authors.PendingClaims(ctx, authorMember(viewerFrom(ctx)), adminListSize); err != nil {
			return err
		}
	}
	shown := make([]adminComment, len(comments))
	for i, c := range comments {
		shown[i] = adminComment{Comment: c, HTML: renderMarkdown(c.Body)}
	}
	return s.render(w, r, "community_admin.html", &adminPage{
		Page: Page{Title: "Moderation", Nav: "admin", NoIndex: true}, Hidden: toCards(hidden, 1), Comments: shown, Audit: audit, Claims: claims,
		Done: r.URL.Query().Get("done"),
	})
}

// adminAction serves the moderation forms: hide, unhide, suspend,
// unsuspend and delete-comment.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.staff(w, r, roleModerator)
	if !ok {
		return err
	}
	target := strings.TrimSpace(r.PostFormValue("target"))
	action := r.PathValue("action")
	if err := s.communityService.Moderate(r.Context(), member(v), action, target, strings.TrimSpace(r.PostFormValue("reason"))); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin?done="+url.QueryEscape(action+" "+target), http.StatusSeeOther)
	return nil
}
