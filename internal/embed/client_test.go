package embed

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// fakeProvider speaks the /v1/embeddings API: text i of a request gets a
// vector whose first component is len(text). fail decides, per request
// number (from 1), whether to answer with a status code instead, and
// delay slows every answer.
type fakeProvider struct {
	requests atomic.Int32
	fail     func(n int32) int
	delay    time.Duration
	dim      int
}

func (f *fakeProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.fail != nil {
		if code := f.fail(n); code != 0 {
			http.Error(w, `{"error":"nope"}`, code)
			return
		}
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var data []item
	// answer in reverse order: clients must place by index
	for i := len(req.Input) - 1; i >= 0; i-- {
		v := make([]float32, f.dim)
		v[0] = float32(len(req.Input[i]))
		v[1] = 1
		data = append(data, item{"embedding", i, v})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
}

func newTestClient(t *testing.T, f *fakeProvider, opts ClientOptions) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	opts.URL, opts.Model, opts.Dim = srv.URL, "test-model", f.dim
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientBatchesAndKeepsOrder(t *testing.T) {
	f := &fakeProvider{dim: 4}
	c := newTestClient(t, f, ClientOptions{BatchSize: 2})
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee"}
	vecs, err := c.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 5 || f.requests.Load() != 3 {
		t.Fatalf("%d vectors in %d requests, want 5 in 3", len(vecs), f.requests.Load())
	}
	for i, v := range vecs {
		// normalised (len, 1, 0, 0): the ratio gives back the length
		if got := v[0] / v[1]; got != float32(len(texts[i])) {
			t.Errorf("vector %d is for a text of length %v, want %d", i, got, len(texts[i]))
		}
	}
}

func TestClientRetries5xx(t *testing.T) {
	f := &fakeProvider{dim: 4, fail: func(n int32) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return 0
	}}
	c := newTestClient(t, f, ClientOptions{MaxRetries: 3})
	if _, err := c.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatalf("Embed after two 503s: %v", err)
	}
	if n := f.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestClientGivesUpAfterMaxRetries(t *testing.T) {
	f := &fakeProvider{dim: 4, fail: func(int32) int { return http.StatusInternalServerError }}
	c := newTestClient(t, f, ClientOptions{MaxRetries: 2})
	_, err := c.Embed(context.Background(), []string{"x"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("err = %v, want a 500 StatusError", err)
	}
	if n := f.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", n)
	}
}

func TestClientDoesNotRetry4xx(t *testing.T) {
	f := &fakeProvider{dim: 4, fail: func(int32) int { return http.StatusUnauthorized }}
	c := newTestClient(t, f, ClientOptions{MaxRetries: 3})
	_, err := c.Embed(context.Background(), []string{"x"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 401 {
		t.Fatalf("err = %v, want a 401 StatusError", err)
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestClientTimesOutSlowProvider(t *testing.T) {
	f := &fakeProvider{dim: 4, delay: 2 * time.Second}
	c := newTestClient(t, f, ClientOptions{Timeout: 50 * time.Millisecond, MaxRetries: 1})
	start := time.Now()
	_, err := c.Embed(context.Background(), []string{"x"})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s, want about 2 × 50 ms", d)
	}
	// A caller's deadline (search's fallback budget) wins over retries.
	c = newTestClient(t, f, ClientOptions{Timeout: time.Minute, MaxRetries: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := c.Embed(ctx, []string{"x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s after a 100 ms deadline", d)
	}
}

func TestClientRejectsWrongDimension(t *testing.T) {
	f := &fakeProvider{dim: 8}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := NewClient(ClientOptions{URL: srv.URL + "/v1", Model: "m", Dim: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Embed(context.Background(), []string{"x"}); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests, want no retry of a bad response", n)
	}
	if _, err := NewClient(ClientOptions{URL: srv.URL}); err == nil {
		t.Error("NewClient without model and dimension succeeded")
	}
}
