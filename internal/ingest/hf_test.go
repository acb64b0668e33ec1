package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/ingest"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// hfItemFixture has the shape of a 2025 Hugging Face daily-papers item,
// written by hand: every object the API returns is there.
const hfItemFixture = `{"paper":{"id":"2506.99001","authors":[
 {"_id":"a1","user":{"_id":"u1","avatarUrl":"/avatars/a.svg","isPro":false,"fullname":"Ada Lovelace","user":"ada","type":"user"},
  "name":"Ada Lovelace","status":"claimed_verified","statusLastChangedAt":"2025-06-03T07:54:25.329Z","hidden":false},
 {"_id":"a2","name":":","hidden":false},
 {"_id":"a3","name":"Alan Turing","hidden":true}],
 "publishedAt":"2025-06-01T17:34:15.000Z","submittedOnDailyAt":"2025-06-02T03:50:58.348Z",
 "submittedOnDailyBy":{"avatarUrl":"/avatars/k.svg","isPro":true,"fullname":"Kwan Young","user":"kwanyoung","type":"user"},
 "title":"A title","summary":"An abstract.","upvotes":7,"discussionId":"683f8a1c",
 "organization":{"_id":"o1","name":"ByteDance-Seed","fullname":"ByteDance Seed","avatar":"https://example.org/o.png"}},
 "publishedAt":"2025-06-02T03:50:58.348Z","title":"A title","thumbnail":"https://example.org/t.png",
 "mediaUrls":["https://example.org/m.mp4"],"numComments":3,
 "submittedBy":{"_id":"u9","avatarUrl":"/avatars/k.svg","fullname":"Kwan Young","name":"kwanyoung","type":"user","isPro":true,"isHf":false,"isMod":false},
 "organization":{"_id":"o1","name":"ByteDance-Seed","fullname":"ByteDance Seed","avatar":"https://example.org/o.png"},
 "submitterOrganization":{"_id":"o2","name":"nvidia","fullname":"NVIDIA"},
 "isAuthorParticipating":true}`

func readOne(t *testing.T, format ingest.Format, content string) store.Paper {
	t.Helper()
	var got []store.Paper
	path := writeFile(t, "item.jsonl", content+"\n")
	_, err := ingest.ReadFile(context.Background(), path, format, func(p store.Paper) error {
		got = append(got, p)
		return nil
	}, func(p ingest.Problem) { t.Errorf("problem: %v", p) })
	if err != nil || len(got) != 1 {
		t.Fatalf("read: %d papers, %v", len(got), err)
	}
	return got[0]
}

func TestHFItemKeepsHuggingFaceObjects(t *testing.T) {
	p := readOne(t, ingest.FormatHF, strings.ReplaceAll(hfItemFixture, "\n", ""))
	yes := true
	want := store.HFDetails{
		DiscussionID: "683f8a1c",
		PublishedAt:  time.Date(2025, 6, 1, 17, 34, 15, 0, time.UTC),
		Authors: []store.HFAuthor{
			{ID: "a1", Name: "Ada Lovelace", Status: "claimed_verified",
				StatusLastChangedAt: time.Date(2025, 6, 3, 7, 54, 25, 329e6, time.UTC),
				User:                &store.HFUser{ID: "u1", Name: "ada", Fullname: "Ada Lovelace", AvatarURL: "/avatars/a.svg", Type: "user"}},
			{ID: "a3", Name: "Alan Turing", Hidden: true},
		},
		SubmittedBy:           &store.HFUser{ID: "u9", Name: "kwanyoung", Fullname: "Kwan Young", AvatarURL: "/avatars/k.svg", Type: "user", IsPro: true},
		Organization:          &store.HFOrg{ID: "o1", Name: "ByteDance-Seed", Fullname: "ByteDance Seed", Avatar: "https://example.org/o.png"},
		SubmitterOrganization: &store.HFOrg{ID: "o2", Name: "nvidia", Fullname: "NVIDIA"},
		Thumbnail:             "https://example.org/t.png",
		MediaURLs:             []string{"https://example.org/m.mp4"},
		IsAuthorParticipating: &yes,
	}
	if diff := cmp.Diff(want, p.Community.HF); diff != "" {
		t.Errorf("HF details (-want +got):\n%s", diff)
	}
	if want := []string{"Ada Lovelace", "Alan Turing"}; !cmp.Equal(p.Authors, want) {
		t.Errorf("authors = %q, want %q", p.Authors, want)
	}
}

func TestSplitAuthorsDropsPunctuation(t *testing.T) {
	got := ingest.SplitAuthors("MiniMax, :, Aili Chen, Aonian Li and Bo Fei")
	if want := []string{"MiniMax", "Aili Chen", "Aonian Li", "Bo Fei"}; !cmp.Equal(got, want) {
		t.Errorf("SplitAuthors = %q, want %q", got, want)
	}
}

// TestRealColonAuthors reads the real crawl and checks that none of the 42
// papers whose author string holds a lone ":" (MiniMax-M1 among them) keeps
// it as an author.
func TestRealColonAuthors(t *testing.T) {
	path := filepath.Join(sharedData, "arxiv-cs", "arxiv-cs-2025-2026.kaggle.jsonl.gz")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		t.Skip("shared data not present")
	}
	if testing.Short() {
		t.Skip("reads 75,000 records")
	}
	found := 0
	_, err := ingest.ReadFile(context.Background(), path, ingest.FormatKaggle, func(p store.Paper) error {
		if len(p.Authors) > 1 && p.Authors[1] != ":" && (p.ID == "2506.13585" || p.ID == "2503.14492") {
			found++
		}
		for _, a := range p.Authors {
			if !ingest.IsName(a) {
				t.Errorf("%s: author %q", p.ID, a)
			}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if found != 2 {
		t.Errorf("found %d of MiniMax-M1 and Cosmos-Transfer1, want 2", found)
	}
}
