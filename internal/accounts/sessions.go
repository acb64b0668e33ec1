package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// StartSession starts a session for the user and returns its secret token
// (for the cookie; only its hash is stored) and when it ends. The session
// of the old token, the one the browser had (perhaps another account's),
// ends: the token is always new, so a planted cookie cannot become a
// signed-in one.
func (s *Service) StartSession(ctx context.Context, userID int64, oldToken, userAgent string) (secret string, expires time.Time, err error) {
	if err := s.EndSession(ctx, oldToken); err != nil {
		return "", time.Time{}, err
	}
	secret, hash := auth.NewToken()
	expires = s.now().Add(SessionLifetime)
	if err := s.Store.CreateSession(ctx, userID, hash, userAgent, expires); err != nil {
		return "", time.Time{}, fmt.Errorf("accounts: start a session of user %d: %w", userID, err)
	}
	return secret, expires, nil
}

// EndSession ends the session of a token; an empty or malformed one has
// none.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if !auth.WellFormedToken(token) {
		return nil
	}
	if err := s.Store.DeleteSession(ctx, auth.HashToken(token)); err != nil {
		return fmt.Errorf("accounts: end a session: %w", err)
	}
	return nil
}

// EndAllSessions ends every session of the user.
func (s *Service) EndAllSessions(ctx context.Context, userID int64) error {
	if _, err := s.Store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("accounts: end the sessions of user %d: %w", userID, err)
	}
	return nil
}

// SessionUser is the user a session token signs in; ok is false for a
// malformed, unknown or expired token, or a suspended user.
func (s *Service) SessionUser(ctx context.Context, token string) (u store.User, ok bool, err error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, false, nil
	}
	u, _, err = s.Store.SessionUser(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, fmt.Errorf("accounts: session user: %w", err)
	}
	return u, true, nil
}

// TokenUser is the user of an API token; a bad token is ErrBadToken.
func (s *Service) TokenUser(ctx context.Context, token string) (store.User, error) {
	if !auth.WellFormedToken(token) {
		return store.User{}, ErrBadToken
	}
	u, _, err := s.Store.APITokenUser(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrBadToken
	}
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: API token user: %w", err)
	}
	return u, nil
}

// Settings is what the settings page shows of an account.
type Settings struct {
	Account  store.User
	Sessions int
	Tokens   []store.APIToken
}

// Settings reads the user's account, sessions and API tokens.
func (s *Service) Settings(ctx context.Context, userID int64) (Settings, error) {
	var st Settings
	var err error
	if st.Account, err = s.Store.UserByID(ctx, userID); err != nil {
		return Settings{}, fmt.Errorf("accounts: settings of user %d: %w", userID, err)
	}
	if st.Sessions, err = s.Store.CountSessions(ctx, userID); err != nil {
		return Settings{}, fmt.Errorf("accounts: settings of user %d: %w", userID, err)
	}
	if st.Tokens, err = s.Store.APITokens(ctx, userID); err != nil {
		return Settings{}, fmt.Errorf("accounts: settings of user %d: %w", userID, err)
	}
	return st, nil
}

// CreateAPIToken makes a personal API token for a verified user and
// returns its secret, to be shown once (only its hash is stored).
func (s *Service) CreateAPIToken(ctx context.Context, userID int64, verified bool, label string) (string, error) {
	if !verified {
		return "", errUnverified
	}
	label = strings.TrimSpace(label)
	if label == "" || len(label) > MaxTokenLabel {
		return "", errTokenLabel
	}
	secret, hash := auth.NewToken()
	if _, err := s.Store.CreateAPIToken(ctx, userID, label, hash); err != nil {
		return "", fmt.Errorf("accounts: create an API token of user %d: %w", userID, err)
	}
	return secret, nil
}

// RevokeAPIToken revokes one of the user's API tokens; another user's is
// not found.
func (s *Service) RevokeAPIToken(ctx context.Context, userID, tokenID int64) error {
	err := s.Store.RevokeAPIToken(ctx, userID, tokenID)
	if errors.Is(err, store.ErrNotFound) {
		return errNoToken
	}
	return err
}
