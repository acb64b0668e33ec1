package semantic

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
	"github.com/paperboy-dev/paperboy/internal/search/topicmap"
)

// Damage done to a saved index, as a disk, a crash or a hand can do it.
var (
	truncate = func(t *testing.T, path string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
	}
	flipByte = func(t *testing.T, path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)*2/3] ^= 0x40
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeGarbage = func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte("\x00\x17garbage\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	remove = func(t *testing.T, path string) {
		t.Helper()
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
)

func TestOpenTellsADamagedModelFromDamagedVectors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string
		damage func(*testing.T, string)
		want   error
	}{
		{"truncated vectors", vectorsFile, truncate, ErrVectorsDamaged},
		{"flipped byte in the vectors", vectorsFile, flipByte, ErrVectorsDamaged},
		{"missing vectors", vectorsFile, remove, ErrVectorsDamaged},
		{"garbage feed position", seqFile, writeGarbage, ErrVectorsDamaged},
		{"negative feed position", seqFile, func(t *testing.T, p string) { os.WriteFile(p, []byte("-5\n"), 0o644) }, ErrVectorsDamaged},
		{"truncated model", modelFile, truncate, ErrModelDamaged},
		{"flipped byte in the model", modelFile, flipByte, ErrModelDamaged},
		{"missing model beside vectors", modelFile, remove, ErrModelDamaged},
		{"garbage provider record", providerFile, writeGarbage, ErrModelDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ix := build(t)
			ix.SetSeq(7)
			if err := ix.Save(dir); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, filepath.Join(dir, tc.file))
			got, err := Open(dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			if errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a damaged index reads as none: %v", err)
			}
			if tc.want == ErrVectorsDamaged && (got == nil || got.Model == nil || got.Vectors != nil) {
				t.Errorf("damaged vectors: want the model alone to rebuild them, got %+v", got)
			}
		})
	}
	if _, err := Open(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an empty directory: %v, want fs.ErrNotExist", err)
	}
}

// Damaged vectors are rebuilt from the model; the topic map, made from
// that model's vectors, survives the rebuild instead of vanishing with
// the directory Save replaces.
func TestRebuiltVectorsKeepTheTopicMap(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix := build(t)
	docs := corpus()
	texts := func(fn func(id, title, abstract string) error) error {
		for _, d := range docs {
			if err := fn(d.ID, d.Title, d.Abstract); err != nil {
				return err
			}
		}
		return nil
	}
	tm, err := ix.BuildTopics(ctx, texts, topicmap.BuildOptions{Topics: 2, Areas: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Save(dir); err != nil {
		t.Fatal(err)
	}
	truncate(t, filepath.Join(dir, vectorsFile))
	got, err := Open(dir)
	if !errors.Is(err, ErrVectorsDamaged) {
		t.Fatalf("Open: %v, want ErrVectorsDamaged", err)
	}
	if got.Topics() == nil {
		t.Fatalf("the map was dropped with the damaged vectors (%v)", got.TopicsErr())
	}
	each := func(fn func(lexical.Document) error) error {
		for _, d := range docs {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}
	if err := got.EmbedAll(ctx, "", each, nil); err != nil {
		t.Fatal(err)
	}
	if err := got.Save(dir); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Topics() == nil {
		t.Fatalf("the rebuilt index has no map (%v)", again.TopicsErr())
	}
	for _, d := range docs {
		if a, b := again.Topics().TopicOf(d.ID), tm.TopicOf(d.ID); a != b {
			t.Errorf("%s: topic %d after the rebuild, %d before", d.ID, a, b)
		}
	}
}
