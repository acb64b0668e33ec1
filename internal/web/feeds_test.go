package web

import (
	"encoding/json"
	"encoding/xml"
	"os/exec"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store"
)

// fixtureAuthors is 2506.00001's author list, in order.
var fixtureAuthors = []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"}

// An RSS item names all its authors in one dc:creator, in order; an Atom
// entry has one author element each.
func TestFeedAuthors(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	rss := fetch(t, srv.URL+"/feeds/daily.rss")
	var rdoc struct {
		Items []struct {
			Link     string   `xml:"link"`
			Creators []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal([]byte(rss.body), &rdoc); err != nil {
		t.Fatalf("rss: %v", err)
	}
	found := false
	for _, it := range rdoc.Items {
		if len(it.Creators) != 1 {
			t.Errorf("%s: %d dc:creator elements, want 1: %q", it.Link, len(it.Creators), it.Creators)
		}
		if strings.HasSuffix(it.Link, "/papers/2506.00001") {
			found = true
			if want := strings.Join(fixtureAuthors, ", "); len(it.Creators) == 0 || it.Creators[0] != want {
				t.Errorf("dc:creator %q, want %q", it.Creators, want)
			}
		}
	}
	if !found {
		t.Fatal("the daily feed lacks 2506.00001")
	}

	atom := fetch(t, srv.URL+"/feeds/daily.atom")
	var adoc struct {
		Entries []struct {
			ID      string   `xml:"id"`
			Authors []string `xml:"author>name"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(atom.body), &adoc); err != nil {
		t.Fatalf("atom: %v", err)
	}
	for _, e := range adoc.Entries {
		if strings.HasSuffix(e.ID, "/papers/2506.00001") && strings.Join(e.Authors, "|") != strings.Join(fixtureAuthors, "|") {
			t.Errorf("atom authors %q, want %q", e.Authors, fixtureAuthors)
		}
	}
}

// feedparser, the parser behind many feed readers, must read every author
// of an item from the RSS feed and from the Atom feed.
func TestFeedAuthorsFeedparser(t *testing.T) {
	python := feedparserPython()
	if python == "" {
		t.Skip("no python3 with feedparser (apt-get install python3-feedparser)")
	}
	srv := newTestServer(t, store.SQLite)
	const script = `
import feedparser, json, sys
d = feedparser.parse(sys.stdin.read())
json.dump([{"link": e.link, "author": e.get("author", ""), "authors": [a.get("name", "") for a in e.get("authors", [])]} for e in d.entries], sys.stdout)
`
	for _, path := range []string{"/feeds/daily.rss", "/feeds/daily.atom"} {
		body := fetch(t, srv.URL+path).body
		cmd := exec.Command(python, "-c", script)
		cmd.Stdin = strings.NewReader(body)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: feedparser: %v", path, err)
		}
		var entries []struct {
			Link    string
			Author  string
			Authors []string
		}
		if err := json.Unmarshal(out, &entries); err != nil {
			t.Fatalf("%s: %v: %s", path, err, out)
		}
		found := false
		for _, e := range entries {
			if !strings.HasSuffix(e.Link, "/papers/2506.00001") {
				continue
			}
			found = true
			got := strings.Join(e.Authors, ", ")
			if strings.HasSuffix(path, ".rss") {
				got = e.Author // feedparser keeps the one creator whole
			}
			if want := strings.Join(fixtureAuthors, ", "); got != want {
				t.Errorf("%s: feedparser reads the authors as %q, want %q", path, got, want)
			}
		}
		if !found {
			t.Errorf("%s: feedparser found no entry for 2506.00001 in %s", path, out)
		}
	}
}

// feedparserPython is a python3 that imports feedparser, or "".
func feedparserPython() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import feedparser").Run() == nil {
			return path
		}
	}
	return ""
}
