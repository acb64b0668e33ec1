package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Embedder turns texts into vectors of Dim dimensions. Model and Client
// are Embedders.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
}

// ClientOptions configures a Client for an OpenAI-compatible embeddings
// server (OpenAI, Ollama, Hugging Face TEI, vLLM).
type ClientOptions struct {
	// URL is the server's base URL; "/v1/embeddings" is appended unless
	// the URL already ends in "/embeddings".
	URL    string
	Model  string
	Dim    int    // expected dimension; also sent as "dimensions" when SendDimensions
	APIKey string // sent as a bearer token when set
	// SendDimensions asks the server for Dim dimensions (OpenAI's
	// text-embedding-3 models accept it; many servers reject it).
	SendDimensions bool
	BatchSize      int           // texts per request; 64
	MaxRetries     int           // retries of a failed request; 3
	Backoff        time.Duration // first retry delay, doubled each time with jitter; 200 ms
	// Timeout bounds each request; 10 s. Callers that must answer quickly
	// (a search falling back to lexical) also pass a context deadline.
	Timeout    time.Duration
	HTTPClient *http.Client
}

// Client calls an OpenAI-compatible /v1/embeddings endpoint.
type Client struct {
	opts     ClientOptions
	endpoint string
	hc       *http.Client
}

// NewClient validates opts and returns a Client.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.URL == "" || opts.Model == "" || opts.Dim <= 0 {
		return nil, fmt.Errorf("embed: provider needs a URL, a model and a dimension (have %q, %q, %d)", opts.URL, opts.Model, opts.Dim)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 64
	}
	if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	} else if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 200 * time.Millisecond
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	ep := strings.TrimRight(opts.URL, "/")
	if !strings.HasSuffix(ep, "/embeddings") {
		if strings.HasSuffix(ep, "/v1") {
			ep += "/embeddings"
		} else {
			ep += "/v1/embeddings"
		}
	}
	return &Client{opts: opts, endpoint: ep, hc: hc}, nil
}

// Dim is the dimension of the provider's vectors.
func (c *Client) Dim() int { return c.opts.Dim }

// Fingerprint identifies the provider's vector space: a change means the
// corpus must be re-embedded.
func (c *Client) Fingerprint() string {
	return fmt.Sprintf("openai:%s:%s:%d", c.endpoint, c.opts.Model, c.opts.Dim)
}

// StatusError is a non-2xx response from the provider.
type StatusError struct {
	Code int
	Body string // the start of the response body
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("embed: provider answered %d: %s", e.Code, e.Body)
}

// ErrBadResponse is returned when the provider's answer does not fit the
// request (count or dimension).
var ErrBadResponse = errors.New("embed: provider response does not match the request")

// Embed embeds texts in batches of BatchSize, in order.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for lo := 0; lo < len(texts); lo += c.opts.BatchSize {
		batch := texts[lo:min(lo+c.opts.BatchSize, len(texts))]
		vecs, err := c.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// retryable reports whether err is worth another attempt: transport
// errors, timeouts of one attempt, 429 and 5xx; not 4xx or a cancelled
// caller.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == http.StatusTooManyRequests || se.Code >= 500
	}
	return !errors.Is(err, ErrBadResponse)
}

func (c *Client) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	req := map[string]any{"model": c.opts.Model, "input": batch, "encoding_format": "float"}
	if c.opts.SendDimensions {
		req["dimensions"] = c.opts.Dim
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	delay := c.opts.Backoff
	for attempt := 0; ; attempt++ {
		vecs, err := c.post(ctx, body, len(batch))
		if err == nil {
			return vecs, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("embed: provider: %w", ctx.Err())
		}
		if attempt >= c.opts.MaxRetries || !retryable(err) {
			return nil, err
		}
		jitter := time.Duration(rand.Int64N(int64(delay)/2 + 1))
		select {
		case <-time.After(delay + jitter):
		case <-ctx.Done():
			return nil, fmt.Errorf("embed: provider: %w", ctx.Err())
		}
		delay *= 2
	}
}

func (c *Client) post(ctx context.Context, body []byte, n int) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embed: provider: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("embed: provider: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	var res struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&res); err != nil {
		return nil, fmt.Errorf("embed: provider: decode: %w", err)
	}
	if len(res.Data) != n {
		return nil, fmt.Errorf("%w: %d embeddings for %d texts", ErrBadResponse, len(res.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range res.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: bad index %d", ErrBadResponse, d.Index)
		}
		if len(d.Embedding) != c.opts.Dim {
			return nil, fmt.Errorf("%w: dimension %d, want %d", ErrBadResponse, len(d.Embedding), c.opts.Dim)
		}
		Normalize(d.Embedding)
		out[d.Index] = d.Embedding
	}
	return out, nil
}
