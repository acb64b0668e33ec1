package web

import "context"

// Viewer is the signed-in user a request acts for, from a session cookie or
// an API token (accounts.go). Requests without one are anonymous and may be
// answered from the shared response cache; requests with one never are.
type Viewer struct {
	ID       int64
	Name     string
	Role     string // user, moderator or admin
	ViaToken bool   // authenticated by an API token rather than a session
	// Verified is whether the user confirmed their email address.
	// Unverified users may sign in and read; community actions (votes,
	// comments, submissions) should refuse them with a pointer to
	// /settings, where they can ask for a new confirmation link.
	Verified bool
	// ForYou shows the "For you" tab: the server recommends (foryou.go).
	ForYou bool
}

// IsModerator reports whether v may moderate (moderators and admins).
func (v *Viewer) IsModerator() bool {
	return v != nil && (v.Role == "moderator" || v.Role == "admin")
}

// IsAdmin reports whether v is an administrator.
func (v *Viewer) IsAdmin() bool { return v != nil && v.Role == "admin" }

type viewerKey struct{}

func withViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// viewerFrom returns the request's signed-in user, or nil.
func viewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}
