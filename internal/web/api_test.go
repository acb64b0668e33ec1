package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

type dailyItem struct {
	Paper struct {
		ID                 string           `json:"id"`
		Title              string           `json:"title"`
		Summary            string           `json:"summary"`
		Authors            []map[string]any `json:"authors"`
		PublishedAt        string           `json:"publishedAt"`
		Upvotes            int              `json:"upvotes"`
		GitHubRepo         string           `json:"githubRepo"`
		GitHubStars        *int             `json:"githubStars"`
		SubmittedOnDailyAt string           `json:"submittedOnDailyAt"`
	} `json:"paper"`
	Title       string         `json:"title"`
	Summary     string         `json:"summary"`
	PublishedAt string         `json:"publishedAt"`
	NumComments int            `json:"numComments"`
	SubmittedBy map[string]any `json:"submittedBy"`
}

func dailyIDs(t *testing.T, body string) []string {
	t.Helper()
	var items []dailyItem
	if err := json.Unmarshal([]byte(body), &items); err != nil {
		t.Fatalf("not a JSON array of items: %v\n%s", err, body)
	}
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.Paper.ID)
	}
	return ids
}

func TestAPIDailyPapersOnEveryBackend(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, d)
			r := fetch(t, srv.URL+"/api/daily_papers?date=2025-06-04")
			if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d %q", r.status, r.header.Get("Content-Type"))
			}
			var items []dailyItem
			if err := json.Unmarshal([]byte(r.body), &items); err != nil {
				t.Fatal(err)
			}
			// Hugging Face's answer: the day's community list only.
			if got, want := dailyIDs(t, r.body), []string{"2506.00001", "2506.00004"}; !cmp.Equal(got, want) {
				t.Fatalf("ids %v, want %v", got, want)
			}
			top := items[0]
			// The item's publishedAt is when it went on the list, the
			// paper's is arXiv's submission (as on Hugging Face).
			if top.Title != top.Paper.Title || top.Summary != top.Paper.Summary || top.Paper.Upvotes != 42 ||
				top.NumComments != 3 || top.Paper.GitHubStars == nil || *top.Paper.GitHubStars != 1234 ||
				top.SubmittedBy["name"] != "akhaliq" || top.Paper.SubmittedOnDailyAt != "2025-06-04T07:00:00Z" ||
				top.PublishedAt != "2025-06-04T07:00:00Z" || top.Paper.PublishedAt != "2025-06-02T10:00:00Z" ||
				len(top.Paper.Authors) != 5 || top.Paper.Authors[0]["name"] != "Ada Lovelace" || top.Paper.Authors[0]["hidden"] != false {
				t.Errorf("item shape: %+v", top)
			}
			if r.header.Get("X-Total-Count") != "2" || r.header.Get("Link") != "" {
				t.Errorf("one page: total %q link %q", r.header.Get("X-Total-Count"), r.header.Get("Link"))
			}
			// scope=all: every paper of the day, as the site's day page.
			r = fetch(t, srv.URL+"/api/daily_papers?date=2025-06-04&scope=all")
			items = nil
			if err := json.Unmarshal([]byte(r.body), &items); err != nil {
				t.Fatal(err)
			}
			if got, want := dailyIDs(t, r.body), []string{"2506.00001", "2506.00004", "2506.00002"}; !cmp.Equal(got, want) {
				t.Fatalf("scope=all ids %v, want %v", got, want)
			}
			if items[2].SubmittedBy != nil || items[2].PublishedAt != "" {
				t.Errorf("an arXiv-only paper has submittedBy %v, publishedAt %q", items[2].SubmittedBy, items[2].PublishedAt)
			}

			// Paging: Link rel=next until the last page.
			var seen []string
			next := srv.URL + "/api/daily_papers?week=2025-W23&limit=2&scope=all"
			for range 5 {
				r := fetch(t, next)
				seen = append(seen, dailyIDs(t, r.body)...)
				link := r.header.Get("Link")
				if link == "" {
					break
				}
				if !strings.HasSuffix(link, `>; rel="next"`) || !strings.HasPrefix(link, "<https://paperboy.test/api/daily_papers?") {
					t.Fatalf("Link %q", link)
				}
				next = srv.URL + strings.TrimPrefix(link[1:strings.Index(link, ">")], "https://paperboy.test")
			}
			if want := []string{"2506.00001", "2506.00004", "2506.00002", "2506.00003"}; !cmp.Equal(seen, want) {
				t.Errorf("paged week = %v, want %v", seen, want)
			}
		})
	}
}

func TestAPIDailyPapersParameters(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"2506.00001", "2506.00004"}}, // today is empty: the latest day of the list
		{"?scope=all", []string{"2506.00001", "2506.00004", "2506.00002"}},
		{"?month=2025-06&sort=publishedAt", []string{"2506.00004", "2506.00001"}}, // newest on the list first
		{"?month=2025-06&sort=publishedAt&scope=all", []string{"2506.00002", "2506.00001", "2506.00004", "2506.00003"}},
		{"?month=2025-06&sort=trending&scope=all", []string{"2506.00001", "2506.00004", "2506.00002", "2506.00003"}},
		{"?month=2025-06&limit=1&p=3&scope=all", []string{"2506.00003"}},
		{"?month=2025-06&limit=1&p=1", []string{"2506.00004"}},
		{"?date=2025-06-10", []string{}},
		{"?month=2025-06&submitter=akhaliq", []string{"2506.00001"}},
		{"?month=2025-06&submitter=AKHALIQ", []string{"2506.00001"}},
		{"?date=2025-06-04&submitter=someone", []string{"2506.00004"}},
		{"?month=2025-06&submitter=nobody", []string{}},
	} {
		r := fetch(t, srv.URL+"/api/daily_papers"+tc.query)
		if r.status != 200 {
			t.Fatalf("%s: status %d %s", tc.query, r.status, r.body)
		}
		if got := dailyIDs(t, r.body); !cmp.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	for _, q := range []string{"date=yesterday", "week=2025-W60", "month=2025-13", "limit=0", "limit=101", "p=-1", "sort=sideways",
		"submiter=akhaliq", "dat=2025-06-04", "scope=some", "scope=all&submitter=akhaliq"} {
		r := fetch(t, srv.URL+"/api/daily_papers?"+q)
		var e map[string]string
		if r.status != 400 || json.Unmarshal([]byte(r.body), &e) != nil || e["error"] == "" ||
			(strings.HasPrefix(q, "submiter") && !strings.Contains(e["error"], `"submiter"`)) {
			t.Errorf("%s: %d %s, want 400 with an error", q, r.status, r.body)
		}
	}
}

func TestAPISearchAndPaperStillWork(t *testing.T) {
	srv := newTestServer(t, store.SQLite)
	var items []map[string]any
	r := fetch(t, srv.URL+"/api/papers/search?q=attention")
	if err := json.Unmarshal([]byte(r.body), &items); err != nil || r.status != 200 || len(items) != 2 {
		t.Fatalf("search: %d %v %s", r.status, err, r.body)
	}
	var p map[string]any
	r = fetch(t, srv.URL+"/api/papers/2506.00001v1")
	if err := json.Unmarshal([]byte(r.body), &p); err != nil || p["id"] != "2506.00001" || p["upvotes"] != 42.0 {
		t.Errorf("paper: %v %v", err, p)
	}
}
