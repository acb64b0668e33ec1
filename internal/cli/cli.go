// Package cli is the paperboy command: flags, configuration and wiring of
// the other packages. cmd/paperboy only calls Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// Globals are the flags every command accepts.
type Globals struct {
	DataDir     string        `name:"data-dir" env:"PAPERBOY_DATA_DIR" placeholder:"DIR" help:"Directory for the database and indexes (default: $XDG_DATA_HOME/paperboy or ~/.local/share/paperboy)."`
	DatabaseURL string        `name:"database-url" env:"PAPERBOY_DATABASE_URL" placeholder:"URL" help:"sqlite:///path/to/paperboy.db or postgres://user@host:5432/db (default: SQLite in the data directory)."`
	LogLevel    string        `name:"log-level" env:"PAPERBOY_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level: debug, info, warn or error."`
	Provider    providerFlags `embed:"" prefix:"embed-" group:"Embeddings provider (optional)"`
	// VectorProbes trades recall for speed where the vectors cluster
	// poorly (a large corpus can need most lists for recall 0.98).
	VectorProbes uint   `name:"vector-probes" env:"PAPERBOY_VECTOR_PROBES" placeholder:"N" help:"Vector lists a query scans (default: as many as 'embed train' calibrated for recall@10 0.98; fewer are faster and miss more)."`
	LogFormat    string `name:"log-format" env:"PAPERBOY_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text or json."`
	MemoryLimit  string `name:"memory-limit" env:"PAPERBOY_MEMORY_LIMIT" placeholder:"SIZE" help:"Soft limit of the Go heap, e.g. 3GiB (default: 5 GiB or 3/4 of the machine's memory, whichever is less; GOMEMLIMIT, if set, wins). Mapped index files are not counted: they live in the page cache."`
}

type commands struct {
	Globals

	Serve     serveCmd     `cmd:"" help:"Run the web server and API."`
	Import    importCmd    `cmd:"" help:"Import papers from Kaggle arXiv or Hugging Face daily-papers files."`
	Search    searchCmd    `cmd:"" help:"Search the papers from the terminal."`
	Reindex   reindexCmd   `cmd:"" help:"Rebuild the search index from the database."`
	Harvest   harvestCmd   `cmd:"" help:"Fetch papers from arXiv (OAI-PMH, listing feeds, the API) and Hugging Face."`
	Similar   similarCmd   `cmd:"" help:"Papers like a given one, by meaning (after 'paperboy embed train')."`
	Embed     embedCmd     `cmd:"" help:"Train the embedding model for semantic search."`
	Topics    topicsCmd    `cmd:"" help:"The topic map: areas and fine topics of the papers (after 'paperboy embed train')."`
	Eval      evalCmd      `cmd:"" help:"Evaluate quality on the real data."`
	Bench     benchCmd     `cmd:"" help:"Benchmark on a corpus."`
	GenCorpus genCorpusCmd `cmd:"" name:"gen-corpus" help:"Write a synthetic corpus in Kaggle format whose statistics follow a real one."`
	User      userCmd      `cmd:"" help:"Manage user accounts."`
	Token     tokenCmd     `cmd:"" help:"Manage personal API tokens."`
	Library   libraryCmd   `cmd:"" help:"Import and export users' libraries and collections (BibTeX, RIS, CSL-JSON)."`
	Digest    digestCmd    `cmd:"" help:"Compose and send email digests."`
	Migrate   migrateCmd   `cmd:"" help:"Apply pending database migrations."`
	Version   versionCmd   `cmd:"" help:"Print the version."`
}

// env is what a command runs with: its streams, logger and configuration.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	opts   Options
	*Globals
}

// Options connect Main to its surroundings.
type Options struct {
	Stdout, Stderr io.Writer
	// OnListen, if set, is told the address the server listens on (tests
	// serve on port 0).
	OnListen func(addr string)
}

// Main runs paperboy with the given arguments and returns the exit status.
func Main(ctx context.Context, args []string, opts Options) int {
	stdout, stderr := opts.Stdout, opts.Stderr
	var cli commands
	exit := -1
	parser, err := kong.New(&cli,
		kong.Name("paperboy"),
		kong.Description("paperboy: a self-hosted research-paper discovery service."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintf(stderr, "paperboy: %v\n", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 { // --help
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "paperboy: %v\n", err)
		node := parser.Model.Node
		var pe *kong.ParseError
		if errors.As(err, &pe) && pe.Context != nil && pe.Context.Selected() != nil {
			node = pe.Context.Selected()
		}
		fmt.Fprintf(stderr, "usage: paperboy %s\nrun '%s --help' for more\n", strings.TrimSpace(node.Summary()), node.FullPath())
		return 2
	}
	if err := cli.Globals.resolve(); err != nil {
		fmt.Fprintf(stderr, "paperboy: %v\n", err)
		return 2
	}
	if _, err := setMemoryLimit(cli.Globals.MemoryLimit); err != nil {
		fmt.Fprintf(stderr, "paperboy: %v\n", err)
		return 2
	}
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, log: newLogger(stderr, &cli.Globals), opts: opts, Globals: &cli.Globals}
	if err := kctx.Run(e); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return int(ee)
		}
		fmt.Fprintf(stderr, "paperboy: %v\n", err)
		return 1
	}
	return 0
}

// exitError ends a command with a status after it reported by itself.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// resolve fills in defaults and validates the global configuration.
func (g *Globals) resolve() error {
	if g.DataDir == "" {
		g.DataDir = defaultDataDir()
	}
	dir, err := filepath.Abs(g.DataDir)
	if err != nil {
		return fmt.Errorf("--data-dir %q: %w", g.DataDir, err)
	}
	g.DataDir = dir
	if g.DatabaseURL == "" {
		g.DatabaseURL = "sqlite://" + filepath.Join(g.DataDir, "paperboy.db")
	}
	if _, _, err := store.ParseURL(g.DatabaseURL); err != nil {
		return fmt.Errorf("--database-url: %w", err)
	}
	return nil
}

func defaultDataDir() string {
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		return filepath.Join(xdg, "paperboy")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "paperboy")
	}
	return "paperboy-data"
}

func newLogger(w io.Writer, g *Globals) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(strings.ToUpper(g.LogLevel))) // validated by kong's enum
	opts := &slog.HandlerOptions{Level: level}
	if g.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens and migrates the configured database.
func (e *env) openStore() (*store.Store, error) { return e.openStoreWith(store.Options{}) }

// openStoreWith opens and migrates the database with opts (an import's
// bulk writes, a build's unmapped reads).
func (e *env) openStoreWith(opts store.Options) (*store.Store, error) {
	s, err := store.Open(e.ctx, e.DatabaseURL, opts)
	if err != nil {
		return nil, err
	}
	applied, err := s.Migrate(e.ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, name := range applied {
		e.log.Info("applied migration", "name", name)
	}
	return s, nil
}

type migrateCmd struct{}

func (c *migrateCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(e.stdout, "database %s is up to date\n", redactURL(e.DatabaseURL))
	return nil
}

// redactURL hides a password in a database URL. A URL without one is
// shown as given: url.URL.String would re-escape a SQLite file path.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Not reached once the store has opened the URL; show nothing
		// rather than guess where a password ends.
		return "(unparsable database URL)"
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}
