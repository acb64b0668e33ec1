package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-dev/paperboy/internal/indexer"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/web"
)

type serveCmd struct {
	Addr            string        `name:"addr" env:"PAPERBOY_ADDR" default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Address to listen on."`
	BaseURL         string        `name:"base-url" env:"PAPERBOY_BASE_URL" placeholder:"URL" help:"Public address of the site (https://papers.example.org), for feed and citation links; default: taken from each request."`
	ChangeRetention time.Duration `name:"change-retention" env:"PAPERBOY_CHANGE_RETENTION" default:"720h" help:"How long change-feed entries are kept; a replica down for longer rebuilds its index."`
}

func (c *serveCmd) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT: %w", c.Addr, err)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url %q: want an absolute http(s) URL", c.BaseURL)
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	if c.ChangeRetention < time.Hour {
		return fmt.Errorf("--change-retention %s: want at least 1h", c.ChangeRetention)
	}
	return nil
}

func (c *serveCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	// The index loads (or builds) in the background; until it is ready the
	// search API answers 503 and everything else works.
	idx := indexer.New(indexer.Options{Dir: e.indexDir(), Source: s, Log: e.log})
	idxCtx, stopIndexer := context.WithCancel(context.WithoutCancel(e.ctx))
	var indexing sync.WaitGroup
	indexing.Add(1)
	go func() {
		defer indexing.Done()
		if err := idx.Load(idxCtx); err != nil {
			if idxCtx.Err() == nil {
				e.log.Error("search index unavailable", "err", err)
			}
			return
		}
		if err := idx.Run(idxCtx); err != nil {
			e.log.Error("search index", "err", err)
		}
	}()
	indexing.Add(1)
	go func() {
		defer indexing.Done()
		pruneChanges(idxCtx, e, s, c.ChangeRetention)
	}()
	defer func() {
		stopIndexer()
		indexing.Wait() // the index is saved before the database closes
	}()

	srv := &http.Server{
		Handler:           web.NewServer(web.Options{Papers: s, Search: idx, Log: e.log, BaseURL: c.BaseURL}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	e.log.Info("serving", "addr", "http://"+ln.Addr().String(), "database", redactURL(e.DatabaseURL))
	if e.opts.OnListen != nil {
		e.opts.OnListen(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-e.ctx.Done():
	}
	e.log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// pruneChanges trims the change feed every few hours. Every replica may do
// it: deleting old entries is idempotent.
func pruneChanges(ctx context.Context, e *env, s *store.Store, retention time.Duration) {
	tick := time.NewTicker(6 * time.Hour)
	defer tick.Stop()
	for {
		if n, err := s.PruneChanges(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			e.log.Error("pruning the change feed failed", "err", err)
		} else if n > 0 {
			e.log.Info("pruned the change feed", "entries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
