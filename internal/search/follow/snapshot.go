package follow

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

// WriteSnapshot writes the saved index as a tar stream of its files: a
// consistent copy, whose meta.bin names the change-feed position it
// includes, for a new replica to start from (FetchSnapshot) instead of
// rebuilding. It saves pending changes first. The files are opened under
// the shared lock and streamed after it is released: Save replaces the
// directory by renaming and never rewrites a file, so the open files stay
// the snapshot's even if a save happens meanwhile.
func (in *Indexer) WriteSnapshot(w io.Writer) error {
	if err := in.Save(); err != nil {
		return err
	}
	unlock, err := lockDir(in.opts.Dir, syscall.LOCK_SH)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(in.opts.Dir)
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, e := range ents {
		if err != nil {
			break
		}
		if !e.Type().IsRegular() {
			continue
		}
		var f *os.File
		if f, err = os.Open(filepath.Join(in.opts.Dir, e.Name())); err == nil {
			files = append(files, f)
		}
	}
	unlock()
	if err != nil {
		return fmt.Errorf("indexer: snapshot: %w", err)
	}
	if err := writeTar(w, files); err != nil {
		return fmt.Errorf("indexer: snapshot: %w", err)
	}
	return nil
}

// FetchSnapshot downloads a peer's index snapshot (WriteSnapshot, served
// at url) into dir, replacing what is there. The files are written to a
// temporary sibling, checked by opening them (CRCs, format), and only then
// renamed into place, so a broken transfer leaves dir as it was. It
// returns the change-feed position the snapshot includes; Load then opens
// it and catches up from there.
func FetchSnapshot(ctx context.Context, client *http.Client, url, dir string) (seq uint64, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("indexer: fetch snapshot from %s: %w", url, err)
		}
	}()
	dir = filepath.Clean(dir)
	tmp, err := downloadTar(ctx, client, url, dir)
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	ix, err := lexical.Open(tmp)
	if err != nil {
		return 0, err
	}
	seq = ix.LastSeq()
	unlock, err := lockDir(dir, syscall.LOCK_EX)
	if err != nil {
		return 0, err
	}
	defer unlock()
	if _, err := os.Stat(dir); err == nil {
		old := fmt.Sprintf("%s.old-%d", dir, time.Now().UnixNano())
		if err := os.Rename(dir, old); err != nil {
			return 0, err
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return 0, err
	}
	return seq, nil
}
