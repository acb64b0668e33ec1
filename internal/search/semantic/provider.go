package semantic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/paperboy-dev/paperboy/internal/embed"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// A deployment with a model server can have its vectors made by it: an
// OpenAI-compatible /v1/embeddings endpoint (embed.Client). The corpus model
// is still trained, for the key terms that label topics and explain similar
// papers; the provider makes the vectors of papers and queries. Which
// provider made the saved vectors is recorded beside them (provider.json),
// so that a server configured for another provider or model refuses them
// until 'paperboy embed train' has re-embedded the corpus.

// providerFile records the provider that made the saved vectors.
const providerFile = "provider.json"

// ProviderConfig names an embeddings provider; the API key is not part of
// it (it is read from the environment, never saved).
type ProviderConfig struct {
	URL            string `json:"url"`
	Model          string `json:"model"`
	Dim            int    `json:"dim"`
	SendDimensions bool   `json:"send_dimensions,omitempty"`
}

// ErrProviderUnavailable wraps a failure of the embeddings provider to
// embed a query in time; hybrid search then answers from the words alone.
var ErrProviderUnavailable = errors.New("the embeddings provider did not answer in time")

// DefaultQueryTimeout bounds the wait for a query's embedding, as Hugging
// Face's paper search does (1 s), before falling back to lexical results.
const DefaultQueryTimeout = time.Second

// Provider is an embeddings service.
type Provider interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
}

// ProviderConfig reports the provider that made the vectors, nil for the
// corpus model.
func (s *Index) ProviderConfig() *ProviderConfig { return s.providerCfg }

// UseProvider makes p, described by cfg, embed papers and queries from now
// on; queries wait at most queryTimeout (DefaultQueryTimeout when zero).
func (s *Index) UseProvider(p Provider, cfg ProviderConfig, queryTimeout time.Duration) error {
	if p.Dim() != cfg.Dim {
		return fmt.Errorf("semantic: provider of %d dimensions described as %d", p.Dim(), cfg.Dim)
	}
	s.provider, s.providerCfg = p, &cfg
	s.queryTimeout = queryTimeout
	if s.queryTimeout <= 0 {
		s.queryTimeout = DefaultQueryTimeout
	}
	return nil
}

// embedQuery embeds a query with the provider (within the query timeout)
// or the corpus model.
func (s *Index) embedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := s.providerMissing(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	if s.provider == nil {
		return s.Model.EmbedText(text), nil
	}
	if v, ok := s.recent.get(text); ok {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	vecs, err := s.provider.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	embed.Normalize(vecs[0])
	s.recent.put(text, vecs[0])
	return vecs[0], nil
}

// queryCache keeps the provider's embeddings of recent queries: a search
// page embeds its query for the results and again for their topic groups,
// and popular queries repeat. Vectors are never modified after caching.
type queryCache struct {
	mu   sync.Mutex
	vecs map[string][]float32
}

// queryCacheSize bounds the cache; when full it is emptied, which is
// cheaper than tracking recency and costs one provider call per query.
const queryCacheSize = 4096

func (c *queryCache) get(q string) ([]float32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vecs[q]
	return v, ok
}

func (c *queryCache) put(q string, v []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vecs == nil || len(c.vecs) >= queryCacheSize {
		c.vecs = make(map[string][]float32)
	}
	c.vecs[q] = v
}

// providerMissing reports vectors made by a provider that this process
// has not been given: neither queries nor papers can be embedded like them.
func (s *Index) providerMissing() error {
	if s.providerCfg != nil && s.provider == nil {
		return fmt.Errorf("the vectors were made by %s (%s) and no provider is configured", s.providerCfg.URL, s.providerCfg.Model)
	}
	return nil
}

// embedDocs embeds papers with the provider or the corpus model.
func (s *Index) embedDocs(ctx context.Context, docs []lexical.Document) ([][]float32, error) {
	if err := s.providerMissing(); err != nil {
		return nil, fmt.Errorf("semantic: %w", err)
	}
	if s.provider == nil {
		return s.Model.EmbedDocuments(ctx, docs)
	}
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = d.Title + "\n\n" + d.Abstract
	}
	vecs, err := s.provider.Embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	for _, v := range vecs {
		embed.Normalize(v)
	}
	return vecs, nil
}

func readProvider(dir string) (*ProviderConfig, error) {
	b, err := os.ReadFile(filepath.Join(dir, providerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cfg ProviderConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("semantic: %s: %w", filepath.Join(dir, providerFile), err)
	}
	return &cfg, nil
}

func writeProvider(dir string, cfg *ProviderConfig) error {
	if cfg == nil {
		return nil
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, providerFile), append(b, '\n'), 0o644)
}
