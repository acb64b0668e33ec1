// Package community owns what members do to the site: upvotes, comments,
// submissions to the daily list and moderation, with the rules they
// follow. The web layer parses requests, calls a Service and renders what
// it returns; refusals are problem errors with messages a client may read.
package community

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Store is what upvotes, comments, submissions, profiles and moderation
// read and write (*store.Store).
type Store interface {
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

// Papers finds stored papers, to tell a submission of a paper paperboy
// does not have yet.
type Papers interface {
	Paper(ctx context.Context, id string) (store.Paper, error)
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

// MaxCommentBytes bounds a comment's text: bytes, not characters, because
// they bound what storing and rendering cost.
const MaxCommentBytes = 10_000

// Member is the signed-in person who acts.
type Member struct {
	ID        int64
	Name      string
	Moderator bool
	// Verified accounts have confirmed their email address; the others
	// may not vote, comment or submit, which makes throw-away accounts
	// costlier.
	Verified bool
}

func (m Member) actor() store.Actor {
	return store.Actor{ID: m.ID, Name: m.Name, Moderator: m.Moderator}
}

// Service runs the community workflows. Methods that take a limit call it
// once the request is known to be valid, before anything is written: the
// caller's rate limit for the action.
type Service struct {
	Store  Store
	Papers Papers
	Submit SubmitOptions
	Now    func() time.Time
	Log    *slog.Logger
}

// Refusals a client may see.
var (
	errUnverified  = problem.New(problem.Forbidden, "Confirm your email address first; /settings can send a new link.")
	errNoPaper     = problem.New(problem.NotFound, "There is no paper with this id.")
	errNoComment   = problem.New(problem.NotFound, "There is no such comment.")
	errNotYours    = problem.New(problem.Forbidden, "You can only edit your own comments.")
	errEmpty       = problem.New(problem.Invalid, "A comment needs some text.")
	errNotArxivID  = problem.New(problem.Invalid, "That is not an arXiv id or URL (try 2505.24864 or https://arxiv.org/abs/2505.24864).")
	errArxivDown   = problem.New(problem.Upstream, "arXiv did not answer; please try again later.")
	errNotMod      = problem.New(problem.Forbidden, "This page is for moderators.")
	errNoAction    = problem.New(problem.NotFound, "There is no such moderation action.")
	errHideTarget  = problem.New(problem.Invalid, "target: want an arXiv id")
	errCommentTarg = problem.New(problem.Invalid, "target: want a comment id")
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Rules are the submission rules in force.
func (s *Service) Rules() store.SubmitRules {
	if s.Submit.Rules == (store.SubmitRules{}) {
		return DefaultSubmitRules
	}
	return s.Submit.Rules
}

func verified(m Member) error {
	if !m.Verified {
		return errUnverified
	}
	return nil
}

// refusal turns the store's refusals into problems a client may see; it
// keeps err as the cause, so that errors.As still finds a
// *store.DuplicateError.
func (s *Service) refusal(err error) error {
	var dup *store.DuplicateError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dup):
		return problem.Wrap(err, problem.Conflict, "This paper is already on the daily list: /papers/"+dup.PaperID)
	case errors.Is(err, store.ErrForbidden):
		return problem.Wrap(err, problem.Forbidden, "You may not do that.")
	case errors.Is(err, store.ErrInvalidText):
		return problem.Wrap(err, problem.Invalid, "That holds characters that are not allowed (NUL or invalid UTF-8).")
	case errors.Is(err, store.ErrInvalid):
		return problem.Wrap(err, problem.Invalid, "That is empty.")
	case errors.Is(err, store.ErrTooOld):
		return problem.Wrap(err, problem.Unprocessable, "This paper is too old for the daily list.")
	case errors.Is(err, store.ErrDailyCap):
		now := s.now()
		tomorrow := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		return problem.Wrap(err, problem.TooManyRequests, "You have submitted as many papers as you may today.").Retry(tomorrow.Sub(now))
	}
	return err
}

// Vote sets the member's upvote on a paper and returns the paper's id and
// total.
func (s *Service) Vote(ctx context.Context, m Member, rawID string, up bool, limit func() error) (string, int, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return "", 0, errNoPaper
	}
	if err := verified(m); err != nil {
		return "", 0, err
	}
	if err := limit(); err != nil {
		return "", 0, err
	}
	var total int
	if up {
		total, err = s.Store.Vote(ctx, m.ID, id.Base)
	} else {
		total, err = s.Store.Unvote(ctx, m.ID, id.Base)
	}
	if err != nil {
		return "", 0, fmt.Errorf("community: vote on %s: %w", id.Base, err)
	}
	return id.Base, total, nil
}

// commentText checks a comment's text.
func commentText(text string) (string, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return "", errEmpty
	}
	if len(text) > MaxCommentBytes {
		return "", problem.New(problem.Invalid, fmt.Sprintf("A comment may be at most %d bytes; this one has %d.", MaxCommentBytes, len(text)))
	}
	return text, nil
}

// AddComment comments on a paper, or replies to the comment parent.
func (s *Service) AddComment(ctx context.Context, m Member, rawID, text string, parent int64, limit func() error) (store.Comment, error) {
	id, err := arxiv.ParseID(rawID)
	if err != nil {
		return store.Comment{}, errNoPaper
	}
	if err := verified(m); err != nil {
		return store.Comment{}, err
	}
	if text, err = commentText(text); err != nil {
		return store.Comment{}, err
	}
	if err := limit(); err != nil {
		return store.Comment{}, err
	}
	c, err := s.Store.AddComment(ctx, id.Base, m.ID, parent, text)
	return c, s.refusal(err)
}

// CommentToEdit is the member's own comment, for the form that edits it.
func (s *Service) CommentToEdit(ctx context.Context, m Member, id int64) (store.Comment, error) {
	c, err := s.Store.CommentByID(ctx, id)
	if err != nil || c.Deleted() {
		return store.Comment{}, errNoComment
	}
	if c.UserID != m.ID {
		return store.Comment{}, errNotYours
	}
	return c, nil
}

// EditComment replaces the text of the member's comment.
func (s *Service) EditComment(ctx context.Context, m Member, id int64, text string, limit func() error) (store.Comment, error) {
	text, err := commentText(text)
	if err != nil {
		return store.Comment{}, err
	}
	if err := limit(); err != nil {
		return store.Comment{}, err
	}
	c, err := s.Store.EditComment(ctx, id, m.actor(), text)
	return c, s.refusal(err)
}

// DeleteComment deletes a comment as the member, its author or a
// moderator.
func (s *Service) DeleteComment(ctx context.Context, m Member, id int64, reason string) error {
	return s.refusal(s.Store.DeleteComment(ctx, id, m.actor(), reason))
}

// SubmitPaper submits an arXiv id or URL to the daily list for the member,
// fetching the paper from arXiv first when it is not stored and a lookup
// is configured.
func (s *Service) SubmitPaper(ctx context.Context, m Member, input string, limit func() error) (store.Paper, error) {
	id, err := arxiv.ParseID(input)
	if err != nil {
		return store.Paper{}, errNotArxivID
	}
	if err := verified(m); err != nil {
		return store.Paper{}, err
	}
	if err := limit(); err != nil {
		return store.Paper{}, err
	}
	if _, err := s.Papers.Paper(ctx, id.Base); errors.Is(err, store.ErrNotFound) && s.Submit.Lookup != nil {
		if err := s.Submit.Lookup.LookupPapers(ctx, []string{id.Base}); err != nil {
			s.log().Warn("submit: arXiv lookup failed", "id", id.Base, "err", err)
			return store.Paper{}, problem.Wrap(err, errArxivDown.Kind, errArxivDown.Message)
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Paper{}, fmt.Errorf("community: submit %s: %w", id.Base, err)
	}
	p, err := s.Store.Submit(ctx, id.Base, m.actor(), s.Rules())
	if errors.Is(err, store.ErrNotFound) {
		return store.Paper{}, problem.New(problem.NotFound, "There is no arXiv paper "+id.Base+" that paperboy knows of.")
	}
	return p, s.refusal(err)
}

// Moderate carries out a moderation action on its target: hide or unhide
// a paper (an arXiv id), suspend or unsuspend a user (a username), or
// delete-comment (a comment id).
func (s *Service) Moderate(ctx context.Context, m Member, action, target, reason string) error {
	if !m.Moderator {
		return errNotMod
	}
	var err error
	switch action {
	case "hide", "unhide":
		id, perr := arxiv.ParseID(target)
		if perr != nil {
			return errHideTarget
		}
		err = s.Store.SetHidden(ctx, id.Base, action == "hide", m.actor(), reason)
	case "suspend", "unsuspend":
		err = s.Store.SetSuspended(ctx, target, action == "suspend", m.actor(), reason)
	case "delete-comment":
		id, perr := strconv.ParseInt(target, 10, 64)
		if perr != nil {
			return errCommentTarg
		}
		err = s.Store.DeleteComment(ctx, id, m.actor(), reason)
	default:
		return errNoAction
	}
	if errors.Is(err, store.ErrNotFound) {
		return problem.Wrap(err, problem.NotFound, "There is no "+target+".")
	}
	return s.refusal(err)
}
