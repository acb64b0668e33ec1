package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/paperboy-dev/paperboy/internal/search/semantic"
)

// ErrNoVectors is returned by Vectors.WriteSnapshot when nothing is
// embedded to copy.
var ErrNoVectors = errors.New("follow: no vectors to copy")

// WriteSnapshot writes the saved semantic index (the model, the vectors,
// the feed position they reflect and the topic map: the files of the
// directory semantic.Index.Save writes) as a tar stream, for a new replica
// to start from (FetchVectorSnapshot) instead of training or embedding
// the corpus again. Pending changes are saved first. Save replaces the
// directory by renaming and never rewrites a file, so files opened from
// one directory are one consistent copy; the directory is checked to be
// the same before and after they are opened, else opened again.
func (v *Vectors) WriteSnapshot(w io.Writer) error {
	if v.Index() == nil {
		return ErrNoVectors
	}
	if err := v.Close(); err != nil { // saves if dirty, and nothing else
		return fmt.Errorf("follow: vectors snapshot: %w", err)
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for try := 0; ; try++ {
		for _, f := range files {
			f.Close()
		}
		files = files[:0]
		same, err := openAll(v.dir, &files)
		if err != nil {
			return fmt.Errorf("follow: vectors snapshot: %w", err)
		}
		if same {
			break
		}
		if try == 10 {
			return errors.New("follow: vectors snapshot: the directory keeps being replaced")
		}
	}
	if err := writeTar(w, files); err != nil {
		return fmt.Errorf("follow: vectors snapshot: %w", err)
	}
	return nil
}

// openAll opens the regular files of dir into files and reports whether
// dir was the same directory throughout (not replaced by a Save).
func openAll(dir string, files *[]*os.File) (same bool, err error) {
	before, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			return false, nil // replaced meanwhile
		}
		if err != nil {
			return false, err
		}
		*files = append(*files, f)
	}
	after, err := os.Stat(dir)
	if err != nil {
		return false, nil
	}
	return os.SameFile(before, after), nil
}

// FetchVectorSnapshot downloads a peer's semantic index (WriteSnapshot,
// served at url) into dir, which must not hold one yet. The files are
// written to a temporary sibling, checked by opening them as an index
// (checksums, formats, the model beside its vectors), and only then
// renamed into place, so a broken transfer leaves nothing. It returns the
// change-feed position the vectors reflect; the server's catch-up embeds
// what changed since.
func FetchVectorSnapshot(ctx context.Context, client *http.Client, url, dir string) (seq int64, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("follow: fetch vectors from %s: %w", url, err)
		}
	}()
	dir = filepath.Clean(dir)
	tmp, err := downloadTar(ctx, client, url, dir)
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	ix, err := semantic.Open(tmp)
	if err != nil {
		return 0, err
	}
	if err := ix.TopicsErr(); err != nil {
		return 0, err
	}
	seq = ix.Seq()
	if _, err := os.Stat(dir); err == nil {
		return 0, fmt.Errorf("%s exists already", dir)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return 0, err
	}
	return seq, nil
}
