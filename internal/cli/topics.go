package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/semantic"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
	"github.com/paperboy-dev/paperboy/internal/store"
)

type topicsCmd struct {
	Build topicsBuildCmd `cmd:"" help:"Map the embedded papers into broad areas and fine topics (also done by 'embed train')."`
	List  topicsListCmd  `cmd:"" help:"List the areas and topics of the map."`
}

type topicMapFlags struct {
	Topics int `name:"topics" help:"Fine topics (default 1.5·√papers, at most 4000)."`
	Areas  int `name:"areas" help:"Broad areas (default 1.5·√topics, at most 64)."`
}

type topicsBuildCmd struct {
	topicMapFlags
	Seed uint64 `name:"seed" default:"1" help:"Random seed: the same seed and vectors give the same map."`
}

func (c *topicsBuildCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ix, err := e.openSemantic()
	if err != nil {
		return err
	}
	if ix == nil {
		return errors.New("nothing embedded yet: run 'paperboy embed train' first")
	}
	start := time.Now()
	m, err := e.buildTopics(ix, s, c.topicMapFlags, c.Seed, start)
	if err != nil {
		return err
	}
	if err := ix.Save(e.semanticDir()); err != nil {
		return err
	}
	e.reportTopics(m, start)
	return nil
}

// buildTopics maps ix's vectors, labelling the topics from the store's
// papers.
func (e *env) buildTopics(ix *semantic.Index, s *store.Store, f topicMapFlags, seed uint64, start time.Time) (*topicmap.Map, error) {
	return ix.BuildTopics(e.ctx, storeTexts(e.ctx, s), topicmap.BuildOptions{
		Topics: f.Topics, Areas: f.Areas, Seed: seed,
		Progress: func(stage string) {
			e.log.Info("topics", "stage", stage, "elapsed", time.Since(start).Round(time.Second))
		},
	})
}

func (e *env) reportTopics(m *topicmap.Map, start time.Time) {
	fmt.Fprintf(e.stdout, "mapped %d papers into %d areas and %d topics in %s\n",
		m.Len(), len(m.Areas()), len(m.Topics()), time.Since(start).Round(time.Second))
}

// storeTexts streams the visible papers' titles and abstracts.
func storeTexts(ctx context.Context, s *store.Store) topicmap.Texts {
	return func(fn func(id, title, abstract string) error) error {
		return s.EachPaper(ctx, func(p store.Paper) error {
			if p.Community.Hidden {
				return nil
			}
			return fn(p.ID, p.Title, p.Abstract)
		})
	}
}

type topicsListCmd struct{}

func (c *topicsListCmd) Run(e *env) error {
	ix, err := e.openSemantic()
	if err != nil {
		return err
	}
	if ix == nil || ix.Topics() == nil {
		return search.ErrNoTopics
	}
	m := ix.Topics()
	for a, area := range m.Areas() {
		fmt.Fprintf(e.stdout, "%s (%d papers) [%s]\n", area.Label, m.AreaCount(a), area.Slug)
		for _, t := range m.Children(a) {
			tp := m.Topics()[t]
			fmt.Fprintf(e.stdout, "    %-60s %5d  %s\n", tp.Label, m.Count(t), tp.Slug)
		}
	}
	return nil
}

type jsonFacets struct {
	Topics []search.TopicFacet `json:"topics"`
}

func writeFacetsText(w io.Writer, facets []search.TopicFacet) {
	if len(facets) == 0 {
		return
	}
	fmt.Fprintf(w, "\ntopics among all the matches:\n")
	for _, f := range facets {
		fmt.Fprintf(w, "  %5d  %s  (topic=%s; %s)\n", f.Count, f.Label, f.Slug, strings.Join(f.Terms, ", "))
	}
}
