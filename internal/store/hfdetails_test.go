package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func hfDetails() store.HFDetails {
	yes := true
	return store.HFDetails{
		DiscussionID: "683f8a1c2d9e4b0012345678",
		PublishedAt:  time.Date(2025, 6, 1, 17, 34, 15, 0, time.UTC),
		Authors: []store.HFAuthor{
			{ID: "66540321d200a2ecdf784ffe", Name: "Grace Hopper", Status: "claimed_verified",
				StatusLastChangedAt: time.Date(2025, 6, 3, 7, 54, 25, 329e6, time.UTC),
				User:                &store.HFUser{ID: "6397", Name: "ghopper", Fullname: "Grace Hopper", AvatarURL: "/avatars/g.svg", Type: "user"}},
			{ID: "66540321d200a2ecdf784fff", Name: "Hidden Author", Hidden: true},
		},
		SubmittedBy:           &store.HFUser{ID: "63973ee4", Name: "akhaliq", Fullname: "AK", AvatarURL: "/avatars/ak.svg", Type: "user", IsPro: true},
		Organization:          &store.HFOrg{ID: "67d1", Name: "ByteDance-Seed", Fullname: "ByteDance Seed", Avatar: "https://example.org/seed.png"},
		SubmitterOrganization: &store.HFOrg{ID: "6026", Name: "nvidia", Fullname: "NVIDIA"},
		Thumbnail:             "https://example.org/thumb.png",
		MediaURLs:             []string{"https://example.org/demo.mp4"},
		IsAuthorParticipating: &yes,
	}
}

func TestHFDetailsRoundTripAndMerge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := hfPaper("2506.00042", 10, "2025-06-03")
		p.Community.DailySubmitter = "akhaliq"
		p.Community.HF = hfDetails()
		if _, err := s.UpsertCommunity(ctx, []store.Paper{p}); err != nil {
			t.Fatal(err)
		}
		got := mustPaper(t, s, p.ID)
		if diff := cmp.Diff(hfDetails(), got.Community.HF); diff != "" {
			t.Fatalf("stored HF details (-want +got):\n%s", diff)
		}
		// A later fetch with more upvotes but a bare item keeps what the
		// first one said; an arXiv import never touches it.
		later := hfPaper("2506.00042", 12, "2025-06-03")
		later.Community.DailySubmitter = "akhaliq"
		if _, err := s.UpsertCommunity(ctx, []store.Paper{later}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpsertPapers(ctx, []store.Paper{arxivPaper("2506.00042", 1)}); err != nil {
			t.Fatal(err)
		}
		got = mustPaper(t, s, p.ID)
		if diff := cmp.Diff(hfDetails(), got.Community.HF); diff != "" {
			t.Fatalf("HF details after a bare re-import and an arXiv import (-want +got):\n%s", diff)
		}
	})
}

// TestAuthorPunctuationRepair stores an author list as the crawl of
// 2506.13585 (MiniMax-M1) left it and checks that the repair migration
// drops the ":" and only that, and records a change for the search index.
func TestAuthorPunctuationRepair(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dbURL := storetest.MigratedURL(t, d)
			s, err := store.Open(ctx, dbURL, store.Options{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			p := arxivPaper("2506.13585", 1)
			if _, err := s.UpsertPapers(ctx, []store.Paper{p, arxivPaper("2506.00001", 1)}); err != nil {
				t.Fatal(err)
			}
			before, err := s.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			raw := rawDB(t, dbURL)
			bad := `["MiniMax", ":", "Aili Chen", "Aonian Li"]`
			for _, q := range []string{
				"UPDATE papers SET authors = '" + bad + "' WHERE id = '2506.13585'",
				"DELETE FROM schema_migrations WHERE name = '0011_author_punctuation.sql'",
			} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for range 2 { // the second run finds nothing to do
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := raw.Exec("DELETE FROM schema_migrations WHERE name = '0011_author_punctuation.sql'"); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"MiniMax", "Aili Chen", "Aonian Li"}
			if got := mustPaper(t, s, "2506.13585").Authors; !cmp.Equal(got, want) {
				t.Errorf("authors = %q, want %q", got, want)
			}
			if got := mustPaper(t, s, "2506.00001").Authors; !cmp.Equal(got, p.Authors) {
				t.Errorf("untouched paper's authors = %q, want %q", got, p.Authors)
			}
			after, err := s.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after.LastChange != before.LastChange+1 {
				t.Errorf("change feed moved from %d to %d, want one change", before.LastChange, after.LastChange)
			}
		})
	}
}

// rawDB opens the test database directly, for states no store method makes.
func rawDB(t *testing.T, dbURL string) *sql.DB {
	t.Helper()
	dialect, dsn, err := store.ParseURL(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	driver := "pgx"
	if dialect == store.SQLite {
		driver, dsn = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
