package receval

import (
	"context"
	"encoding/gob"
	"os"
	"path/filepath"
	"testing"
)

// TestDumpScratchPapers writes the content-only scratch database's papers
// to a gob file for recommend's dev loop (-run TestDumpScratchPapers with
// RECEVAL_DUMP=FILE).
func TestDumpScratchPapers(t *testing.T) {
	out := os.Getenv("RECEVAL_DUMP")
	if out == "" {
		t.Skip("RECEVAL_DUMP not set")
	}
	sc, err := BuildScratch(context.Background(), filepath.Join("../../../shared/data", ArxivFile), t.TempDir(), os.Getenv("RECEVAL_AUTHORS") == "")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(sc.Papers); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
