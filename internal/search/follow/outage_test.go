package follow_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

// flakySource is a store whose change feed fails while down is above zero,
// one failure per read, as with the database away.
type flakySource struct {
	*store.Store
	down atomic.Int32
}

func (f *flakySource) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	if f.down.Add(-1) >= 0 {
		return nil, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	return f.Store.Changes(ctx, after, limit)
}

// recorder keeps every log record, at every level.
type recorder struct {
	mu        sync.Mutex
	records   []slog.Record
	recovered chan struct{}
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	if strings.Contains(rec.Message, "recovered") {
		close(r.recovered)
	}
	return nil
}

// TestFeedOutageIsLoggedOnceAndItsEnd: while the change feed cannot be
// read, Run logs the failure once (then only at debug level, backing
// off), and once when it recovers, with the outage's length; the changes
// made meanwhile are then indexed.
func TestFeedOutageIsLoggedOnceAndItsEnd(t *testing.T) {
	s := storetest.Open(t, store.SQLite, store.Options{})
	src := &flakySource{Store: s}
	rec := &recorder{recovered: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in, err := follow.Open(ctx, follow.Options{Dir: t.TempDir(), Source: src, Log: slog.New(rec), PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const failures = 6
	src.down.Store(failures)
	upsert(t, s, paper("2506.00020", "Retrieval during an outage"))
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	select {
	case <-rec.recovered:
	case <-time.After(30 * time.Second):
		t.Fatal("no recovery logged")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	byLevel := map[slog.Level]int{}
	for _, r := range rec.records {
		byLevel[r.Level]++
		if r.Level == slog.LevelInfo && strings.Contains(r.Message, "recovered") {
			r.Attrs(func(a slog.Attr) bool {
				switch a.Key {
				case "outage":
					if a.Value.Kind() != slog.KindDuration {
						t.Errorf("outage %v, want a duration", a.Value)
					}
				case "failures":
					if a.Value.Int64() != failures {
						t.Errorf("failures %v, want %d", a.Value, failures)
					}
				}
				return true
			})
		}
	}
	if byLevel[slog.LevelError] != 1 || byLevel[slog.LevelWarn] != 0 || byLevel[slog.LevelDebug] < failures-1 {
		var msgs []string
		for _, r := range rec.records {
			msgs = append(msgs, r.Level.String()+" "+r.Message)
		}
		t.Errorf("want one error for %d failures, the rest at debug level; got:\n%s", failures, strings.Join(msgs, "\n"))
	}
	if got := ids(t, in.Index(), "retrieval outage"); len(got) != 1 {
		t.Errorf("paper added during the outage: found %v", got)
	}
}
