// Package mapfile maps index files read-only into memory, so that the
// search engines use their arrays in place (the page cache) instead of
// copying them onto the Go heap.
package mapfile
