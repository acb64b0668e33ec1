package digest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Link purposes. A link does one thing: a confirmation link cannot change
// preferences, an unsubscribe link (the one mail clients' buttons POST to)
// can only unsubscribe; the manage link can do both of the latter.
const (
	PurposeConfirm     = "confirm"
	PurposeManage      = "manage"
	PurposeUnsubscribe = "unsubscribe"
)

// Link lifetimes. A confirmation is meant to be clicked now; manage and
// unsubscribe links sit in old digests and must keep working for a long
// time, but not forever, so that a leaked link stops mattering.
var linkTTL = map[string]time.Duration{
	PurposeConfirm:     7 * 24 * time.Hour,
	PurposeManage:      400 * 24 * time.Hour,
	PurposeUnsubscribe: 400 * 24 * time.Hour,
}

// ErrBadLink is a subscription link that is malformed, forged, expired or
// for another purpose. It wraps store.ErrNotFound so that callers that only
// know the store treat it as "no such subscription".
var ErrBadLink = fmt.Errorf("digest: this link is invalid or has expired: %w", store.ErrNotFound)

// linkKeySetting names the settings row holding the HMAC key. Keeping it in
// the database (rather than a file or a flag) gives every replica the same
// key with no configuration, and a new database a new key.
const linkKeySetting = "digest_link_key"

// linkKey returns the signing key, creating it on first use.
func (s *Service) linkKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	var buf [32]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return nil, fmt.Errorf("digest: link key: %w", err)
	}
	v, err := s.Store.Setting(ctx, linkKeySetting, hex.EncodeToString(buf[:]))
	if err != nil {
		return nil, fmt.Errorf("digest: link key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("digest: link key in settings is malformed")
	}
	s.key = key
	return key, nil
}

// sign returns a token for a subscription and purpose: id.purpose.expiry.mac.
// The MAC covers the address too, so a token dies with the address it was
// made for.
func sign(key []byte, sub store.Subscription, purpose string, now time.Time) string {
	exp := strconv.FormatInt(now.Add(linkTTL[purpose]).Unix(), 36)
	id := strconv.FormatInt(sub.ID, 36)
	return id + "." + purpose[:1] + "." + exp + "." + linkMAC(key, id, purpose, exp, sub.Email)
}

func linkMAC(key []byte, id, purpose, exp, email string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "paperboy-digest-link\x00%s\x00%s\x00%s\x00%s", id, purpose, exp, strings.ToLower(email))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// verify checks a token for one of the purposes and returns its
// subscription.
func (s *Service) verify(ctx context.Context, token string, purposes ...string) (store.Subscription, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 {
		return store.Subscription{}, ErrBadLink
	}
	var purpose string
	for _, p := range purposes {
		if parts[1] == p[:1] {
			purpose = p
		}
	}
	id, err1 := strconv.ParseInt(parts[0], 36, 64)
	exp, err2 := strconv.ParseInt(parts[2], 36, 64)
	if purpose == "" || err1 != nil || err2 != nil || s.now().Unix() > exp {
		return store.Subscription{}, ErrBadLink
	}
	key, err := s.linkKey(ctx)
	if err != nil {
		return store.Subscription{}, err
	}
	sub, err := s.Store.SubscriptionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Subscription{}, ErrBadLink
	}
	if err != nil {
		return store.Subscription{}, err
	}
	want := linkMAC(key, parts[0], purpose, parts[2], sub.Email)
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[3])) != 1 {
		return store.Subscription{}, ErrBadLink
	}
	return sub, nil
}

// links are the signed URLs of one subscription.
type links struct {
	Manage, Unsubscribe string
}

func (s *Service) links(key []byte, base string, sub store.Subscription, now time.Time) links {
	return links{
		Manage:      base + "/subscribe/manage?token=" + sign(key, sub, PurposeManage, now),
		Unsubscribe: base + "/unsubscribe?token=" + sign(key, sub, PurposeUnsubscribe, now),
	}
}
