package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/harvest"
	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// libraryCmd imports and exports members' libraries, for operators and
// scripts: the same service as the web's import and export.
type libraryCmd struct {
	Import libraryImportCmd `cmd:"" help:"Import a BibTeX, RIS or CSL-JSON file, or a list of arXiv ids, URLs and DOIs, into a user's library or collection."`
	Export libraryExportCmd `cmd:"" help:"Write a user's library or collection as BibTeX, RIS or CSL-JSON on stdout."`
}

type libraryImportCmd struct {
	User       string `arg:"" help:"Username."`
	File       string `arg:"" help:"The file to import; - reads stdin."`
	Collection string `placeholder:"NAME" help:"Import into the user's collection of this name (or slug), made private when there is none; without it, into the library alone."`
	Format     string `default:"auto" enum:"auto,bibtex,ris,csl-json,list" help:"The file's format: auto (by its extension, else its first lines), bibtex, ris, csl-json or list."`
	APIURL     string `name:"api-url" env:"PAPERBOY_API_URL" default:"https://export.arxiv.org/api/query" placeholder:"URL" help:"arXiv's Atom API, to fetch the papers paperboy does not have."`
	NoFetch    bool   `name:"no-fetch" help:"Report entries whose papers paperboy does not have as unmatched instead of fetching them from arXiv."`
	UserAgent  string `name:"user-agent" env:"PAPERBOY_USER_AGENT" placeholder:"UA" help:"User-Agent sent to arXiv (default: paperboy's, with its URL)."`
	JSON       bool   `help:"Print the report as JSON (as the API answers)."`
}

func (c *libraryImportCmd) Run(e *env) error {
	f, err := c.format()
	if err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	if c.File != "-" {
		file, err := os.Open(c.File)
		if err != nil {
			return fmt.Errorf("library import: %w", err)
		}
		defer file.Close()
		in = file
	}
	return withUser(e, c.User, func(s *store.Store, u store.User) error {
		matcher := &citation.Matcher{Papers: s}
		if !c.NoFetch {
			// As serve fetches submitted papers: one request every three
			// seconds, as arXiv asks.
			api := &harvest.APIClient{BaseURL: c.APIURL, Fetcher: &harvest.Fetcher{
				Client: http.DefaultClient, UserAgent: c.UserAgent, Delay: harvest.DefaultAPIDelay, Log: e.log}}
			hv := &harvest.Harvester{Store: s, Log: e.log}
			matcher.Fetch = fetchFunc(func(ctx context.Context, ids []string) error {
				_, err := hv.Lookup(ctx, api, ids)
				return err
			})
		}
		svc := &library.Service{Store: s, Matcher: matcher}
		m := library.Member{ID: u.ID, Name: u.Username}
		slug, made, err := collectionNamed(e.ctx, svc, m, c.Collection)
		if err != nil {
			return err
		}
		rep, err := svc.Import(e.ctx, m, slug, f, in, func() error { return nil })
		if err != nil {
			if made { // all or nothing: not even an empty collection
				if err := svc.Delete(e.ctx, m, slug, func() error { return nil }); err != nil {
					e.log.Error("library import: delete the collection made for it", "slug", slug, "err", err)
				}
			}
			return fmt.Errorf("library import %s: %s", c.File, problemText(err))
		}
		if c.JSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		into := u.Username + "'s library"
		if slug != "" {
			into = fmt.Sprintf("%s's collection %s (/c/%s/%s)", u.Username, slug, u.Username, slug)
		}
		fmt.Fprintf(e.stdout, "imported %s into %s: %d added; %d matched, %d fetched from arXiv, %d unmatched, %d duplicates\n",
			c.File, into, rep.Added, len(rep.Matched), len(rep.Fetched), len(rep.Unmatched), rep.Duplicates)
		for _, um := range rep.Unmatched {
			fmt.Fprintf(e.stdout, "  unmatched %s: %s\n", um.Label, um.Reason)
		}
		return nil
	})
}

// format is the --format, or the one the file's extension names, or ""
// for the service to recognise.
func (c *libraryImportCmd) format() (citation.Format, error) {
	switch c.Format {
	case "auto":
		if f, ok := citation.FormatOfName(c.File); ok {
			return f, nil
		}
		return "", nil
	case "list":
		return citation.ListFormat, nil
	}
	return citation.ParseFormat(c.Format)
}

// fetchFunc adapts a function to citation.Fetcher.
type fetchFunc func(ctx context.Context, ids []string) error

func (f fetchFunc) LookupPapers(ctx context.Context, ids []string) error { return f(ctx, ids) }

// collectionNamed is the slug of the member's collection named name (by
// its name, case aside, or its slug), made private when there is none
// (made is true then); "" for no name.
func collectionNamed(ctx context.Context, svc *library.Service, m library.Member, name string) (slug string, made bool, err error) {
	if strings.TrimSpace(name) == "" {
		return "", false, nil
	}
	if c, err := findCollection(ctx, svc, m, name); err != nil || c.Slug != "" {
		return c.Slug, false, err
	}
	c, err := svc.Create(ctx, m, library.NewCollection{Name: name, Private: true}, func() error { return nil })
	if err != nil {
		return "", false, fmt.Errorf("create collection %q: %s", name, problemText(err))
	}
	return c.Slug, true, nil
}

// problemText is what an operator reads of a failure: a refusal's own
// message (its line in the file, the limit), or the whole chain when a
// service did not answer or the failure was unexpected.
func problemText(err error) string {
	if p := problem.As(err); p != nil && p.Kind != problem.Internal && p.Kind != problem.Upstream {
		return p.Message
	}
	return err.Error()
}

type libraryExportCmd struct {
	User       string `arg:"" help:"Username."`
	Collection string `placeholder:"NAME" help:"Export the user's collection of this name (or slug); without it, the whole library."`
	Format     string `default:"bibtex" enum:"bibtex,ris,csl-json" help:"bibtex, ris or csl-json."`
}

func (c *libraryExportCmd) Run(e *env) error {
	f, err := citation.ParseFormat(c.Format)
	if err != nil {
		return err
	}
	return withUser(e, c.User, func(s *store.Store, u store.User) error {
		svc := &library.Service{Store: s}
		m := library.Member{ID: u.ID, Name: u.Username}
		var papers []store.Paper
		if c.Collection == "" {
			papers, err = svc.LibraryPapers(e.ctx, m)
		} else {
			papers, err = exportCollection(e.ctx, svc, m, c.Collection)
		}
		if err != nil {
			return fmt.Errorf("library export: %s", problemText(err))
		}
		return citation.Write(e.stdout, f, papers)
	})
}

func exportCollection(ctx context.Context, svc *library.Service, m library.Member, name string) ([]store.Paper, error) {
	c, err := findCollection(ctx, svc, m, name)
	if err != nil {
		return nil, err
	}
	if c.Slug == "" {
		return nil, fmt.Errorf("%s has no collection %q", m.Name, name)
	}
	return svc.CollectionPapers(ctx, c)
}

// findCollection is the member's collection named name (case aside) or
// with name as its slug; zero when there is none.
func findCollection(ctx context.Context, svc *library.Service, m library.Member, name string) (store.Collection, error) {
	cols, err := svc.Collections(ctx, m)
	if err != nil {
		return store.Collection{}, err
	}
	for _, c := range cols {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) || c.Slug == name {
			return c, nil
		}
	}
	return store.Collection{}, nil
}
