package follow

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// writeTar streams the already opened files as a flat tar archive, each
// under its base name: the format of both snapshots (index and vectors).
func writeTar(w io.Writer, files []*os.File) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: fi.Name(), Mode: 0o644, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, f); err != nil {
			return err
		}
	}
	return tw.Close()
}

// downloadTar fetches the flat tar archive served at url (writeTar) into a
// new temporary sibling of dir, synced file by file, and returns its path:
// the caller checks the files, renames the directory into place and
// removes it in any case. Entries that are not plain files with a base
// name are refused, so a peer cannot write outside the directory.
func downloadTar(ctx context.Context, client *http.Client, url, dir string) (tmp string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err = os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".fetch-")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	tr := tar.NewReader(resp.Body)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tmp, nil
		}
		if err != nil {
			return "", err
		}
		name := hdr.Name
		if hdr.Typeflag != tar.TypeReg || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return "", fmt.Errorf("unexpected entry %q", name)
		}
		f, err := os.Create(filepath.Join(tmp, name))
		if err != nil {
			return "", err
		}
		_, err = io.Copy(f, tr)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
	}
}
