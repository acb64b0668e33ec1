package semantic

import (
	"bytes"
	"context"
	"path/filepath"
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

// EmbedAll into a directory builds the vectors on disk, the same vectors
// as in memory; Save links the built file and removes the build directory.
func TestEmbedAllOnDiskMakesTheSameVectors(t *testing.T) {
	ctx := context.Background()
	docs := corpus()
	each := func(fn func(lexical.Document) error) error {
		for _, d := range docs {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}
	mem := build(t)
	disk := &Index{Model: mem.Model}
	dir := filepath.Join(t.TempDir(), "embed")
	if err := disk.EmbedAll(ctx, dir, each, nil); err != nil {
		t.Fatal(err)
	}
	if err := mem.EmbedAll(ctx, "", each, nil); err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := mem.Vectors.Save(&a); err != nil {
		t.Fatal(err)
	}
	if err := disk.Vectors.Save(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the vectors built on disk differ from those built in memory")
	}
	if err := disk.Save(dir); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(dir + ".build-*"); len(left) > 0 {
		t.Fatalf("the build directory is still there after Save: %v", left)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	if err := again.Vectors.Save(&c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("the saved vectors differ from those built")
	}
}
