package topics

import (
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/internal/searchtest"
	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

func TestGroupsSplitTwoTopicsAndNotOne(t *testing.T) {
	ix := searchtest.Semantic(t)
	docs := searchtest.Corpus()
	groups := Groups(ix, docs, GroupOptions{})
	if len(groups) != 2 {
		t.Fatalf("two topics gave %d groups: %+v", len(groups), groups)
	}
	for _, g := range groups {
		first := searchtest.Topic(g.IDs[0])
		for _, id := range g.IDs {
			if searchtest.Topic(id) != first {
				t.Errorf("group %q mixes topics", g.Label)
			}
		}
		if g.Count != 40 || g.Label == "" || len(g.Terms) == 0 {
			t.Errorf("group %+v", g)
		}
	}
	// Papers that all say the same thing are one topic, however many.
	var same []lexical.Document
	for i := range 40 {
		same = append(same, lexical.Document{ID: docs[2*i].ID, Title: "speech recognition", Abstract: "acoustic phoneme audio spoken waveform vocoder speech recognition"})
	}
	ix.Vectors = searchtest.VectorsOf(t, ix, same)
	if groups := Groups(ix, same, GroupOptions{}); groups != nil {
		t.Errorf("one topic was split: %+v", groups)
	}
}
