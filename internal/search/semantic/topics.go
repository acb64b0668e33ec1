package semantic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
)

// topicsFile holds the topic map of the vectors, saved with them.
const topicsFile = "topics.bin"

// Topics returns the topic map of the papers' vectors, or nil when none
// was built (or the saved one is damaged or was made for other vectors:
// TopicsErr says).
func (s *Index) Topics() *topicmap.Map { return s.topics.Load() }

// TopicsErr says why a saved topic map was not loaded; nil when it was,
// or when there was none.
func (s *Index) TopicsErr() error { return s.topicsErr }

// SetTopics sets the topic map, which Save then writes beside the
// vectors and Apply keeps current.
func (s *Index) SetTopics(m *topicmap.Map) {
	s.topics.Store(m)
	s.dirty.Store(true)
}

// vectorsFingerprint identifies what made the vectors: the model, or the
// provider's server, model and dimensions. A topic map is valid only
// beside the vectors it clustered.
func (s *Index) vectorsFingerprint() string {
	if s.providerCfg != nil {
		c := s.providerCfg
		return fmt.Sprintf("provider %s %s %d", c.URL, c.Model, c.Dim)
	}
	return s.Model.Info().Fingerprint
}

// BuildTopics maps the indexed vectors (topicmap.Build), labels the
// topics from texts and sets the map.
func (s *Index) BuildTopics(ctx context.Context, texts topicmap.Texts, opts topicmap.BuildOptions) (*topicmap.Map, error) {
	if s.Vectors == nil {
		return nil, errors.New("semantic: no vectors to map")
	}
	opts.Model = s.vectorsFingerprint()
	m, err := topicmap.Build(ctx, s.Vectors, texts, opts)
	if err != nil {
		return nil, err
	}
	s.SetTopics(m)
	return m, nil
}

// openTopics loads the map saved in dir, if any, into s.
func (s *Index) openTopics(dir string) {
	m, err := topicmap.OpenFile(filepath.Join(dir, topicsFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return
	case err != nil:
		s.topicsErr = err
		return
	case m.Info().Model != s.vectorsFingerprint():
		s.topicsErr = fmt.Errorf("%s: made for other vectors; run 'paperboy topics build'", filepath.Join(dir, topicsFile))
		return
	}
	s.topics.Store(m)
}

func (s *Index) saveTopics(dir string) error {
	if m := s.Topics(); m != nil {
		return m.SaveFile(filepath.Join(dir, topicsFile))
	}
	return nil
}
