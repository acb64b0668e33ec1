// Package media keeps copies of the images that lists show (Hugging Face's
// paper thumbnails, avatars and organisation logos) in the data directory,
// so that pages load nothing from other sites. Files are named by the
// SHA-256 of their content; an index maps each remote address to its file
// and remembers failed fetches, so they are retried later, not at once.
//
// The index is a file beside the images rather than a table: each replica
// keeps its own data directory, and the index must describe the files that
// this directory holds.
package media

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// Types are the image types kept, by MIME type, with their file extension.
// SVG is not among them: it can carry script.
var Types = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}

// fileName is what Put names files: the content's SHA-256 and an extension
// of Types. Anything else is refused by Open, so a request cannot reach
// outside the directory.
var fileName = regexp.MustCompile(`^[0-9a-f]{64}\.(png|jpg|webp|gif)$`)

// Library is a directory of images and its index.
type Library struct {
	dir string

	mu    sync.RWMutex
	index map[string]entry // by remote URL
	dirty bool
}

type entry struct {
	File     string    `json:"file,omitempty"`
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retryAt,omitzero"`
	Error    string    `json:"error,omitempty"`
}

const indexName = "index.json"

// Open opens (creating) the library in dir. A damaged index is started
// afresh: it only saves fetching the images again.
func Open(dir string) (*Library, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	l := &Library{dir: dir, index: map[string]entry{}}
	b, err := os.ReadFile(filepath.Join(dir, indexName))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("media: read index: %w", err)
	default:
		if json.Unmarshal(b, &l.index) != nil {
			l.index = map[string]entry{}
		}
	}
	return l, nil
}

// File returns the name of the copy of url, if there is one.
func (l *Library) File(url string) (string, bool) {
	if l == nil || url == "" {
		return "", false
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	e := l.index[url]
	return e.File, e.File != ""
}

// Due reports whether url should be fetched at now: it has no copy, and
// its last failure's backoff has passed.
func (l *Library) Due(url string, now time.Time) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	e := l.index[url]
	return e.File == "" && !now.Before(e.RetryAt)
}

// Put stores an image fetched from url, of MIME type ct (one of Types),
// and returns its file name. Writing to a temporary file and renaming
// means a reader never sees half an image.
func (l *Library) Put(url, ct string, body []byte) (string, error) {
	ext, ok := Types[ct]
	if !ok {
		return "", fmt.Errorf("media: %s: type %q is not kept", url, ct)
	}
	sum := sha256.Sum256(body)
	name := hex.EncodeToString(sum[:]) + ext
	path := filepath.Join(l.dir, name)
	if _, err := os.Stat(path); err != nil {
		tmp, err := os.CreateTemp(l.dir, ".put-*")
		if err != nil {
			return "", fmt.Errorf("media: %s: %w", url, err)
		}
		_, werr := tmp.Write(body)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), path)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return "", fmt.Errorf("media: %s: %w", url, werr)
		}
	}
	l.mu.Lock()
	l.index[url] = entry{File: name}
	l.dirty = true
	l.mu.Unlock()
	return name, nil
}

// Fail records a failed fetch of url at now: it is retried after an hour,
// doubling with each further failure up to a week, since a missing image
// rarely appears soon.
func (l *Library) Fail(url string, err error, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.index[url]
	e.Failures++
	wait := time.Hour << min(e.Failures-1, 8)
	e.RetryAt, e.Error, l.dirty = now.Add(min(wait, 7*24*time.Hour)), err.Error(), true
	l.index[url] = e
}

// Save writes the index if it changed.
func (l *Library) Save() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dirty {
		return nil
	}
	b, err := json.Marshal(l.index)
	if err != nil {
		return fmt.Errorf("media: save index: %w", err)
	}
	tmp := filepath.Join(l.dir, indexName+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("media: save index: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(l.dir, indexName)); err != nil {
		return fmt.Errorf("media: save index: %w", err)
	}
	l.dirty = false
	return nil
}

// Open opens the file of that name, which must be one Put made.
func (l *Library) Open(name string) (*os.File, error) {
	if l == nil || !fileName.MatchString(name) {
		return nil, os.ErrNotExist
	}
	return os.Open(filepath.Join(l.dir, name))
}

// Dir is the library's directory.
func (l *Library) Dir() string { return l.dir }
