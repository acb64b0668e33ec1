// Package workers supervises paperboy's background work (the indexer,
// harvests, digests, pruning): each worker runs with a context of its own
// group, its failure is logged with its name, and Stop cancels them all
// and waits until every one has returned, so that nothing still runs when
// the database closes.
package workers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Group is a set of named background workers.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
	wg     sync.WaitGroup

	mu      sync.Mutex
	running map[string]int
}

// New returns a group whose workers run until Stop or until parent ends.
// The workers' context does not carry parent's values' cancellation
// alone: Stop is what ends them, so that shutdown runs in order.
func New(parent context.Context, log *slog.Logger) *Group {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Group{ctx: ctx, cancel: cancel, log: log, running: map[string]int{}}
}

// Go starts fn as the worker name. An error other than the group's own
// cancellation is logged; a worker that returns early does not stop the
// others (a failed harvest must not stop search).
func (g *Group) Go(name string, fn func(ctx context.Context) error) {
	g.mu.Lock()
	g.running[name]++
	g.mu.Unlock()
	g.wg.Go(func() {
		defer func() {
			g.mu.Lock()
			if g.running[name]--; g.running[name] == 0 {
				delete(g.running, name)
			}
			g.mu.Unlock()
		}()
		if err := fn(g.ctx); err != nil && !(errors.Is(err, context.Canceled) && g.ctx.Err() != nil) {
			g.log.Error("background worker failed", "worker", name, "err", err)
		}
	})
}

// Running names the workers that have not returned yet.
func (g *Group) Running() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	names := make([]string, 0, len(g.running))
	for n := range g.running {
		names = append(names, n)
	}
	return names
}

// Stop cancels every worker and waits for all of them to return, or for
// ctx to end first, when it returns ctx's error and names the workers
// still running in the log.
func (g *Group) Stop(ctx context.Context) error {
	g.cancel()
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		g.log.Error("background workers did not stop in time", "running", g.Running())
		return ctx.Err()
	}
}
