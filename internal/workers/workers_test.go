package workers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestStopCancelsAndWaitsForEveryWorker(t *testing.T) {
	var logs syncBuffer
	g := New(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)))
	started := make(chan struct{}, 3)
	var finished sync.WaitGroup
	finished.Add(3)
	for _, name := range []string{"indexer", "harvest", "digest"} {
		g.Go(name, func(ctx context.Context) error {
			defer finished.Done()
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err() // a worker that stops because it was told to is not a failure
		})
	}
	for range 3 {
		<-started
	}
	if n := len(g.Running()); n != 3 {
		t.Fatalf("%d workers running, want 3", n)
	}
	if err := g.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	finished.Wait() // Stop returned only after every worker did
	if n := len(g.Running()); n != 0 {
		t.Errorf("%d workers still running after Stop: %v", n, g.Running())
	}
	if strings.Contains(logs.String(), "failed") {
		t.Errorf("a cancelled worker was logged as failed:\n%s", logs.String())
	}
}

func TestAFailedWorkerIsLoggedAndLeavesTheOthersRunning(t *testing.T) {
	var logs syncBuffer
	g := New(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)))
	failed := make(chan struct{})
	g.Go("harvest", func(context.Context) error {
		defer close(failed)
		return errors.New("arXiv said 503")
	})
	g.Go("indexer", func(ctx context.Context) error { <-ctx.Done(); return nil })
	<-failed
	for deadline := time.Now().Add(5 * time.Second); len(g.Running()) != 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if got := g.Running(); len(got) != 1 || got[0] != "indexer" {
		t.Errorf("running %v, want [indexer]", got)
	}
	if !strings.Contains(logs.String(), "worker=harvest") || !strings.Contains(logs.String(), "arXiv said 503") {
		t.Errorf("the failure is not logged with the worker's name:\n%s", logs.String())
	}
	g.Stop(context.Background())
}

func TestStopGivesUpAtItsDeadlineAndNamesTheStragglers(t *testing.T) {
	var logs syncBuffer
	g := New(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)))
	release := make(chan struct{})
	g.Go("stubborn", func(context.Context) error { <-release; return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Stop past its deadline: %v, want context.Canceled", err)
	}
	if !strings.Contains(logs.String(), "stubborn") {
		t.Errorf("the worker still running is not named:\n%s", logs.String())
	}
	close(release)
	if err := g.Stop(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestParentCancellationDoesNotStopWorkers(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	g := New(parent, nil)
	ran := make(chan error, 1)
	g.Go("indexer", func(ctx context.Context) error {
		<-ctx.Done()
		ran <- ctx.Err()
		return nil
	})
	cancel()
	select {
	case <-ran:
		t.Fatal("the worker stopped with its parent, before Stop: shutdown order is Stop's to decide")
	case <-time.After(50 * time.Millisecond):
	}
	g.Stop(context.Background())
	if err := <-ran; !errors.Is(err, context.Canceled) {
		t.Errorf("after Stop: %v", err)
	}
}
