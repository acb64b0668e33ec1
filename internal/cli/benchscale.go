package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/synth"
	"github.com/paperboy-dev/paperboy/internal/searcheval"
)

// benchScaleCmd measures the whole life of a large corpus the way an
// operator meets it: each phase is the real command run as a child
// process, so its time and peak memory are that command's own.
type benchScaleCmd struct {
	Papers      int           `name:"papers" default:"100000" help:"Synthetic papers to generate and import."`
	Dir         string        `name:"dir" help:"Scratch data directory (default: a new temporary one, removed afterwards unless --keep)."`
	Keep        bool          `name:"keep" help:"Keep the scratch directory."`
	Reuse       bool          `name:"reuse" help:"If --dir already holds an imported corpus, index and vectors, skip those phases and measure serving only."`
	Corpus      []string      `name:"corpus" type:"existingfile" help:"Import these corpus files (Kaggle or Hugging Face format) instead of generating papers; --papers is then ignored."`
	Sample      []string      `name:"sample" default:"../shared/data/arxiv-cs/arxiv-cs-2025-2026.kaggle.jsonl.gz" help:"Real corpus whose sentences the synthetic papers recombine."`
	Data        string        `name:"data" default:"../shared/data" help:"The shared data directory, for the query set."`
	Topical     float64       `name:"topical" default:"0" help:"Share of each abstract's sentences taken from papers of its own category (0: from anywhere, embeddings cluster poorly, the hard case)."`
	Seed        int64         `name:"seed" default:"1" help:"Random seed of the corpus."`
	Embed       bool          `name:"embed" default:"true" negatable:"" help:"Train the embedding model and vectors (--no-embed: lexical only)."`
	Clients     []int         `name:"clients" default:"1,8" help:"Concurrent clients of the latency runs."`
	Queries     int           `name:"queries" default:"1000" help:"Queries per mode and client count."`
	Connections int           `name:"connections" default:"32" help:"Connections of the throughput run (uncached hybrid search; 0: none)."`
	Duration    time.Duration `name:"duration" default:"10s" help:"Length of the throughput run."`
	ServeArgs   []string      `name:"serve-arg" help:"Extra flags for the serve child (repeat)."`
	WriteCorpus string        `name:"write-corpus" placeholder:"FILE" help:"Only write the synthetic corpus to FILE (Kaggle JSON lines) and stop, to profile or repeat an import."`
}

func (c *benchScaleCmd) Validate() error {
	if c.Papers < 1 || c.Papers > 99_999*12*80 {
		return fmt.Errorf("--papers %d: want 1 to %d", c.Papers, 99_999*12*80)
	}
	if c.Topical < 0 || c.Topical > 1 {
		return fmt.Errorf("--topical %g: want 0 to 1", c.Topical)
	}
	if c.Queries < 1 || c.Duration < 0 || c.Connections < 0 {
		return errors.New("--queries, --duration and --connections: want positive values")
	}
	return nil
}

// scaleRow is one line of the report.
type scaleRow struct{ what, value, note string }

func (c *benchScaleCmd) Run(e *env) error {
	dir := c.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "paperboy-scale-")
		if err != nil {
			return err
		}
		dir = d
		if !c.Keep {
			defer os.RemoveAll(dir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	items, err := searcheval.LoadKnownItems(filepath.Join(c.Data, searcheval.KnownItemFile))
	if err != nil {
		return err
	}
	queries := searcheval.QueryMix(items)
	for i, q := range queries {
		// The API refuses queries over 250 characters.
		for len(q) > 250 {
			q = q[:strings.LastIndexByte(q[:250], ' ')]
		}
		queries[i] = q
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(queries), func(i, j int) { queries[i], queries[j] = queries[j], queries[i] })

	if c.WriteCorpus != "" {
		return c.generate(e, c.WriteCorpus)
	}
	var rows []scaleRow
	add := func(what, value, note string) {
		rows = append(rows, scaleRow{what, value, note})
		fmt.Fprintf(e.stderr, "bench scale: %s: %s %s\n", what, value, note)
	}
	reuse := c.Reuse && exists(filepath.Join(dir, "index"))
	switch {
	case reuse:
		add("data directory", dir, "(reused: serving only)")
	case len(c.Corpus) > 0:
		add("corpus", strings.Join(c.Corpus, ", "), "")
	default:
		add("papers", strconv.Itoa(c.Papers), fmt.Sprintf("(sentences recombined, topical %g)", c.Topical))
	}
	if !reuse {
		files := c.Corpus
		if len(files) == 0 {
			corpus := filepath.Join(dir, "corpus.jsonl")
			start := time.Now()
			if err := c.generate(e, corpus); err != nil {
				return err
			}
			add("generate", dur(time.Since(start)), "")
			files = []string{corpus}
		}
		r, err := c.child(e, dir, append([]string{"import", "--quiet"}, files...)...)
		if len(c.Corpus) == 0 {
			os.Remove(files[0])
		}
		if err != nil {
			return err
		}
		add("import", dur(r.took), r.String())
		if r, err = c.child(e, dir, "reindex"); err != nil {
			return err
		}
		add("lexical build (reindex)", dur(r.took), r.String())
		if c.Embed {
			if r, err = c.child(e, dir, "embed", "train"); err != nil {
				return err
			}
			add("embed train", dur(r.took), r.String())
		}
	}
	add("disk: index", gib(du(filepath.Join(dir, "index"))), "")
	if c.Embed {
		add("disk: embed", gib(du(filepath.Join(dir, "embed"))), "(model + vectors)")
	}
	add("disk: database", gib(du(filepath.Join(dir, "paperboy.db"))+du(filepath.Join(dir, "paperboy.db-wal"))), "")
	return c.serve(e, dir, queries, add, func() error { return writeScaleTable(e.stdout, rows) })
}

func (c *benchScaleCmd) generate(e *env, path string) error {
	var sample []search.Document
	for _, p := range c.Sample {
		if err := searcheval.ReadCorpus(e.ctx, p, func(d search.Document) { sample = append(sample, d) }); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	n := 0
	err = synth.Sentences(c.Seed, c.Topical, sample, c.Papers, func(d search.Document) error {
		n++
		return enc.Encode(kaggleRecordOf(d, n-1))
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

type childResult struct {
	took   time.Duration
	maxRSS int64 // bytes
	// maxAnon is the largest anonymous RSS seen (the heap and stacks):
	// the rest is files mapped, the database's pages under SQLite's mmap
	// among them, which the kernel can drop.
	maxAnon int64
}

func (r childResult) String() string {
	return fmt.Sprintf("peak RSS %s (anonymous %s)", gib(r.maxRSS), gib(r.maxAnon))
}

// child runs paperboy itself on the scratch directory and reports its
// time and peak resident memory (the kernel's maxrss of the child).
func (c *benchScaleCmd) child(e *env, dir string, args ...string) (childResult, error) {
	cmd, err := c.command(e, dir, args...)
	if err != nil {
		return childResult{}, err
	}
	cmd.Stdout = e.stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return childResult{}, err
	}
	// The kernel's maxrss of a child counts the parent's memory at the
	// fork, so the child's own high-water mark is read while it runs.
	var r childResult
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			st := procStatus(cmd.Process.Pid)
			r.maxRSS, r.maxAnon = max(r.maxRSS, st["VmHWM"]), max(r.maxAnon, st["RssAnon"])
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	err = cmd.Wait()
	close(stop)
	<-polled
	if err != nil {
		return childResult{}, fmt.Errorf("bench scale: %s: %w", strings.Join(args, " "), err)
	}
	r.took = time.Since(start)
	return r, nil
}

func (c *benchScaleCmd) command(e *env, dir string, args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	full := append([]string{"--data-dir", dir, "--log-level", "warn"}, args...)
	cmd := exec.CommandContext(e.ctx, self, full...)
	cmd.Stderr = e.stderr
	// The child's own memory budget applies, not one inherited from here;
	// PAPERBOY_DATABASE_URL would point it at another database.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(s string) bool {
		return strings.HasPrefix(s, "PAPERBOY_DATA_DIR=") || strings.HasPrefix(s, "PAPERBOY_DATABASE_URL=")
	})
	return cmd, nil
}

// serve starts the server on the scratch directory (its index saved: a
// restart), times the first answered search, runs the latency and
// throughput clients and reads the server's memory.
func (c *benchScaleCmd) serve(e *env, dir string, queries []string, add func(what, value, note string), done func() error) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"serve", "--no-harvest", "--no-access-log", "--addr", addr, "--digest-hour=-1"}, c.ServeArgs...)
	cmd, err := c.command(e, dir, args...)
	if err != nil {
		return err
	}
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	pid := cmd.Process.Pid
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	base := "http://" + addr + "/api/papers/search?limit=10&q="
	mode := "hybrid"
	if !c.Embed {
		mode = "lexical"
	}
	for {
		st, got, err := benchGet(client, base+url.QueryEscape("language models")+"&mode="+mode)
		if err == nil && st == http.StatusOK && got == mode {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("bench scale: serve exited before answering: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Minute {
			return errors.New("bench scale: serve did not answer within 30 minutes")
		}
	}
	add("restart to first "+mode+" search", dur(time.Since(start)), "(saved index opened)")
	mem := procStatus(pid)
	add("serve RSS after start", gib(mem["VmRSS"]), fmt.Sprintf("(anon %s, file %s)", gib(mem["RssAnon"]), gib(mem["RssFile"])))

	modes := []string{"lexical"}
	if c.Embed {
		modes = append(modes, "hybrid")
	}
	next := 0
	for _, m := range modes {
		for _, n := range c.Clients {
			qs := make([]string, c.Queries)
			for i := range qs {
				qs[i] = queries[next%len(queries)]
				next++
			}
			lat, wall, bad := benchLoad(client, base, m, qs, n, 0)
			slices.Sort(lat)
			note := fmt.Sprintf("(%d queries, %.0f q/s", len(lat), float64(len(lat))/wall.Seconds())
			if bad > 0 {
				note += fmt.Sprintf(", %d failed or fell back", bad)
			}
			add(fmt.Sprintf("%s p50 / p99, %d client(s)", m, n), ms(pct(lat, 0.50))+" / "+ms(pct(lat, 0.99)), note+")")
		}
	}
	if c.Connections > 0 && c.Duration > 0 {
		m := modes[len(modes)-1]
		lat, wall, bad := benchLoad(client, base, m, queries, c.Connections, c.Duration)
		slices.Sort(lat)
		note := fmt.Sprintf("(p50 %s p99 %s", ms(pct(lat, 0.50)), ms(pct(lat, 0.99)))
		if bad > 0 {
			note += fmt.Sprintf(", %d failed or fell back", bad)
		}
		add(fmt.Sprintf("%s throughput, %d connections", m, c.Connections), fmt.Sprintf("%.0f q/s", float64(len(lat))/wall.Seconds()), note+")")
	}
	mem = procStatus(pid)
	add("serve RSS steady", gib(mem["VmRSS"]), fmt.Sprintf("(anon %s, file %s; Go heap limit %s)", gib(mem["RssAnon"]), gib(mem["RssFile"]), os.Getenv("GOMEMLIMIT")))
	add("serve peak RSS", gib(mem["VmHWM"]), "")
	return done()
}

// benchGet asks once and returns the status and the mode that answered.
func benchGet(client *http.Client, u string) (int, string, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	m := resp.Header.Get("X-Search-Mode")
	if resp.Header.Get("X-Search-Fallback") != "" {
		m += " (fallback)"
	}
	return resp.StatusCode, m, nil
}

// benchLoad runs the queries with n clients (for d, cycling, when d > 0) and
// returns the latencies of the answered ones.
func benchLoad(client *http.Client, base, mode string, queries []string, n int, d time.Duration) (lat []time.Duration, wall time.Duration, bad int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var next int
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if d > 0 {
		time.AfterFunc(d, cancel)
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if d == 0 && i >= len(queries) {
					return
				}
				q := queries[i%len(queries)]
				t := time.Now()
				st, got, err := benchGet(client, base+url.QueryEscape(q)+"&mode="+mode)
				took := time.Since(t)
				mu.Lock()
				if err != nil || st != http.StatusOK || got != mode {
					if bad < 3 {
						fmt.Fprintf(os.Stderr, "bench scale: %q: status %d mode %q err %v\n", q, st, got, err)
					}
					bad++
				} else {
					lat = append(lat, took)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), bad
}

// procStatus reads the memory lines of /proc/PID/status, in bytes.
func procStatus(pid int) map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		f := strings.Fields(v)
		if ok && len(f) == 2 && f[1] == "kB" {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			out[k] = n * 1024
		}
	}
	return out
}

func writeScaleTable(w io.Writer, rows []scaleRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.what, r.value, r.note)
	}
	return tw.Flush()
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func dur(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
func ms(d time.Duration) string  { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func gib(b int64) string         { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// du sums the sizes of the files under path.
func du(path string) int64 {
	var n int64
	_ = filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
