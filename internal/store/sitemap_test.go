package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

func TestLastChangeFollowsTheFeed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if seq, err := s.LastChange(ctx); err != nil || seq != 0 {
			t.Fatalf("empty store: LastChange = %d, %v", seq, err)
		}
		mustUpsert(t, s, arxivPaper("2506.00001", 1))
		first, err := s.LastChange(ctx)
		if err != nil || first == 0 {
			t.Fatalf("after an import: LastChange = %d, %v", first, err)
		}
		mustUpsert(t, s, arxivPaper("2506.00001", 1)) // unchanged: no new entry
		if seq, _ := s.LastChange(ctx); seq != first {
			t.Errorf("a no-op import moved LastChange from %d to %d", first, seq)
		}
		if _, err := s.UpsertCommunity(ctx, []store.Paper{hfPaper("2506.00001", 5, "2025-06-04")}); err != nil {
			t.Fatal(err)
		}
		if seq, _ := s.LastChange(ctx); seq <= first {
			t.Errorf("a community import left LastChange at %d (was %d)", seq, first)
		}
		st, err := s.Stats(ctx)
		if seq, _ := s.LastChange(ctx); err != nil || seq != st.LastChange {
			t.Errorf("LastChange %d, Stats.LastChange %d (%v)", seq, st.LastChange, err)
		}
	})
}

func TestSitemapPapersPageInIDOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var batch []store.Paper
		for i := range 25 {
			batch = append(batch, arxivPaper(fmt.Sprintf("2507.%05d", 25-i), 1))
		}
		mustUpsert(t, s, batch...)
		if n, err := s.CountSitemapPapers(ctx); err != nil || n != 25 {
			t.Fatalf("CountSitemapPapers = %d, %v", n, err)
		}
		var got []string
		for offset := 0; ; offset += 10 {
			page, err := s.SitemapPapers(ctx, offset, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				if e.UpdatedAt.IsZero() {
					t.Errorf("%s: no UpdatedAt", e.ID)
				}
				got = append(got, e.ID)
			}
			if len(page) < 10 {
				break
			}
		}
		if len(got) != 25 || got[0] != "2507.00001" || got[24] != "2507.00025" {
			t.Errorf("sitemap ids %v", got)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1] >= got[i] {
				t.Fatalf("not in id order at %d: %v", i, got)
			}
		}
	})
}

func TestFeedRangeIsWhatStatsSays(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if first, last, err := s.FeedRange(ctx); err != nil || first != 0 || last != 0 {
			t.Fatalf("empty store: FeedRange = %d, %d, %v", first, last, err)
		}
		mustUpsert(t, s, arxivPaper("2506.00001", 1), arxivPaper("2506.00002", 1))
		mustUpsert(t, s, arxivPaper("2506.00003", 1))
		first, last, err := s.FeedRange(ctx)
		st, serr := s.Stats(ctx)
		if err != nil || serr != nil || first != st.FirstChange || last != st.LastChange || first == 0 || last <= first {
			t.Errorf("FeedRange %d..%d (%v), Stats %d..%d (%v)", first, last, err, st.FirstChange, st.LastChange, serr)
		}
	})
}
