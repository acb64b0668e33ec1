package semantic

import (
	"context"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

func TestChangedPapersLeaveTheKeyTermCache(t *testing.T) {
	ix := build(t)
	d := corpus()[0]
	ix.KeyTerms(d)
	if _, ok := ix.CachedKeyTerms(d.ID); !ok {
		t.Fatal("key terms were not cached")
	}
	d.Abstract = "pixel camera segmentation pixel camera"
	if err := ix.Apply(context.Background(), []lexical.Document{d}, nil, 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.CachedKeyTerms(d.ID); ok {
		t.Fatal("a changed paper kept its old key terms")
	}
	if kt := ix.KeyTerms(d); len(kt.Terms) == 0 || kt.Words[0] == "" {
		t.Fatalf("key terms of the changed paper: %+v", kt)
	}
}
