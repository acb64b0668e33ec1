package vector

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The builder's file is the file of the in-memory index made from the
// same vectors (later vectors of an id replacing earlier ones), byte for
// byte, with both ways of calibrating, and it leaves no spill behind.
func TestBuilderWritesTheFileTrainMakes(t *testing.T) {
	ctx := context.Background()
	ids, vecs := clustered(3000, 24, 12, 0.6, 7)
	_, again := clustered(40, 24, 12, 0.6, 8)
	queries := func() ([][]float32, error) { return again[:20], nil }
	for _, calibration := range []func() ([][]float32, error){nil, queries} {
		opts := Options{Seed: 3}
		mem := New(24, opts)
		dir := t.TempDir()
		b, err := NewBuilder(dir, 24, opts)
		if err != nil {
			t.Fatal(err)
		}
		add := func(id string, v []float32) {
			if err := mem.Add(id, v); err != nil {
				t.Fatal(err)
			}
			if err := b.Add(id, v); err != nil {
				t.Fatal(err)
			}
		}
		for i := range ids {
			add(ids[i], vecs[i])
		}
		for i, v := range again {
			add(ids[i*50], v) // replaced
		}
		if err := mem.TrainFor(ctx, calibration); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "vectors.bin")
		built, err := b.Build(ctx, path, calibration)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := mem.Save(&want); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("built file (%d bytes) differs from the trained index's (%d bytes)", len(got), want.Len())
		}
		if built.Len() != mem.Len() || built.Probes() != mem.Probes() || built.Rerank() != mem.Rerank() {
			t.Fatalf("built index: %d vectors, %d probes, re-rank %d; want %d, %d, %d",
				built.Len(), built.Probes(), built.Rerank(), mem.Len(), mem.Probes(), mem.Rerank())
		}
		if mem.Probes() <= 0 {
			t.Fatal("the corpus calibrated no probe count: the test checks nothing")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("build left %d files, want only vectors.bin", len(entries))
		}
	}
}

// An index opened from a file is saved by linking the file until it
// changes; then it is written.
func TestSaveFileLinksAnUnchangedFile(t *testing.T) {
	ids, vecs := clustered(500, 8, 4, 0.5, 1)
	ix := build(t, ids, vecs, Options{Seed: 1})
	dir := t.TempDir()
	first := filepath.Join(dir, "a.bin")
	if err := ix.SaveFile(first); err != nil {
		t.Fatal(err)
	}
	opened, err := OpenFile(first, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "b.bin")
	if err := opened.SaveFile(second); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(first)
	b, _ := os.Stat(second)
	if !os.SameFile(a, b) {
		t.Fatal("an unchanged index was written anew, not linked")
	}
	if !opened.Delete(ids[0]) {
		t.Fatal("delete failed")
	}
	third := filepath.Join(dir, "c.bin")
	if err := opened.SaveFile(third); err != nil {
		t.Fatal(err)
	}
	c, _ := os.Stat(third)
	if os.SameFile(a, c) {
		t.Fatal("a changed index was saved by linking its old file")
	}
	again, err := OpenFile(third, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Len() != len(ids)-1 {
		t.Fatalf("saved %d vectors, want %d", again.Len(), len(ids)-1)
	}
}
