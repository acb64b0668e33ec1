package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestCreateUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, store.User{Username: "Ada", Email: "ada@example.org", PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Role != "user" {
			t.Fatalf("created %+v, want an id and role user", u)
		}
		for _, dup := range []store.User{
			{Username: "ada", Email: "other@example.org"},
			{Username: "grace", Email: "ADA@example.org"},
		} {
			if _, err := s.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateUser(%s, %s) = %v, want ErrConflict", dup.Username, dup.Email, err)
			}
		}
		got, err := s.UserByName(ctx, "ADA")
		if err != nil || got.ID != u.ID || got.Email != "ada@example.org" {
			t.Fatalf("UserByName(ADA) = %+v, %v", got, err)
		}
		if _, err := s.UserByID(ctx, u.ID+100); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByID(unknown) = %v, want ErrNotFound", err)
		}
	})
}
