package follow_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// replicaPair opens two connections to one PostgreSQL database (two
// replicas' stores) and builds the first replica's index.
func replicaPair(t *testing.T) (first *follow.Indexer, firstDir string, s1, s2 *store.Store) {
	t.Helper()
	ctx := context.Background()
	url := storetest.MigratedURL(t, store.Postgres)
	var stores []*store.Store
	for range 2 {
		s, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	var papers []store.Paper
	for i := range 40 {
		papers = append(papers, paper(fmt.Sprintf("2506.%05d", i), fmt.Sprintf("Paper number w%d about retrieval", i)))
	}
	upsert(t, stores[0], papers...)
	firstDir = filepath.Join(t.TempDir(), "index")
	first, err := follow.Open(ctx, follow.Options{Dir: firstDir, Source: stores[0]})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, stores[0], paper("2506.00100", "Speculative decoding"))
	if _, err := first.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Save(); err != nil {
		t.Fatal(err)
	}
	return first, firstDir, stores[0], stores[1]
}

// openReplica opens an index in dir on s and checks it loaded the files
// there rather than rebuilding, then that papers added since (by the other
// replica) are found after its catch-up.
func openReplica(t *testing.T, dir string, s, other *store.Store) {
	t.Helper()
	ctx := context.Background()
	var logs bytes.Buffer
	upsert(t, other, paper("2506.00200", "Mixture of experts routing"))
	in, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "search index loaded") || strings.Contains(logs.String(), "built") {
		t.Fatalf("the replica rebuilt instead of loading the copied index:\n%s", logs.String())
	}
	upsert(t, other, paper("2506.00300", "Contrastive decoding"))
	if _, err := in.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"speculative": "2506.00100", "mixture experts": "2506.00200", "contrastive": "2506.00300", "w17": "2506.00017"} {
		if got := ids(t, in.Index(), q); len(got) != 1 || got[0] != want {
			t.Errorf("replica: %q -> %v, want %s", q, got, want)
		}
	}
}

// TestCopiedIndexOpensOnAReplicaAndCatchesUp: an index directory copied
// from one replica (or restored from a backup) into another's data
// directory on the same database is loaded there, not rebuilt, and the
// replica catches up through the change feed.
func TestCopiedIndexOpensOnAReplicaAndCatchesUp(t *testing.T) {
	_, from, s1, s2 := replicaPair(t)
	to := filepath.Join(t.TempDir(), "index")
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	openReplica(t, to, s2, s1)
}

// TestReplicaStartsFromAPeerSnapshot: a new replica fetches a running
// replica's index over HTTP, loads it and catches up; a broken transfer
// leaves nothing behind.
func TestReplicaStartsFromAPeerSnapshot(t *testing.T) {
	first, _, s1, s2 := replicaPair(t)
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			w.Write([]byte("not a tar stream"))
			return
		}
		if err := first.WriteSnapshot(w); err != nil {
			t.Error(err)
		}
	}))
	defer peer.Close()
	dir := filepath.Join(t.TempDir(), "index")
	if _, err := follow.FetchSnapshot(context.Background(), peer.Client(), peer.URL+"/broken", dir); err == nil {
		t.Fatal("a broken snapshot was accepted")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a broken snapshot left %s: %v", dir, err)
	}
	seq, err := follow.FetchSnapshot(context.Background(), peer.Client(), peer.URL, dir)
	if err != nil {
		t.Fatal(err)
	}
	if seq != first.Index().LastSeq() {
		t.Errorf("snapshot at %d, want the peer's %d", seq, first.Index().LastSeq())
	}
	openReplica(t, dir, s2, s1)
}

// TestDamagedIndexIsRebuilt: a saved index whose segment file was
// truncated or had a bit flipped is refused when opened and rebuilt from
// the database, never mapped and read past its end.
func TestDamagedIndexIsRebuilt(t *testing.T) {
	for _, damage := range []string{"truncated", "bit flip"} {
		t.Run(damage, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, store.SQLite, store.Options{})
			upsert(t, s, paper("2506.00001", "Direct preference optimization"), paper("2506.00002", "Word alignment for speech"))
			dir := filepath.Join(t.TempDir(), "index")
			if _, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s}); err != nil {
				t.Fatal(err)
			}
			seg := filepath.Join(dir, "seg-0.bin")
			b, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			if damage == "truncated" {
				b = b[:len(b)/2]
			} else {
				b[len(b)/3] ^= 0x10
			}
			if err := os.WriteFile(seg, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			again, err := follow.Open(ctx, follow.Options{Dir: dir, Source: s, Log: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), "search index unusable; rebuilding") {
				t.Errorf("the damaged index was not rebuilt:\n%s", logs.String())
			}
			if got := ids(t, again.Index(), "preference optimization"); len(got) != 1 || got[0] != "2506.00001" {
				t.Errorf("after the rebuild: %v", got)
			}
		})
	}
}
