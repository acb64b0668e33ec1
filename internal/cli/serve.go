package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // on --debug-addr only
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/paperboy-dev/paperboy/internal/arxiv"
	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/harvest"
	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/store"
	"github.com/paperboy-dev/paperboy/internal/web"
	"github.com/paperboy-dev/paperboy/internal/workers"
)

type serveCmd struct {
	Addr            string   `name:"addr" env:"PAPERBOY_ADDR" default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Address to listen on."`
	DebugAddr       string   `name:"debug-addr" env:"PAPERBOY_DEBUG_ADDR" placeholder:"HOST:PORT" help:"Serve Go's profiler (/debug/pprof/) on this address; keep it private. Default: off."`
	BaseURL         string   `name:"base-url" env:"PAPERBOY_BASE_URL" placeholder:"URL" help:"Public address of the site (https://papers.example.org), for the links in emails, feeds and citations; required unless --addr is a loopback address (default: http://ADDR)."`
	TrustedProxies  []string `name:"trusted-proxies" env:"PAPERBOY_TRUSTED_PROXIES" sep:"," placeholder:"ADDRS" help:"Addresses or CIDR ranges of the proxies in front (10.0.0.0/8,127.0.0.1): their X-Forwarded-For names the client for per-address rate limits. Default: none; the connection's address is the client's."`
	trustedProxies  []netip.Prefix
	AccessLog       bool          `name:"access-log" env:"PAPERBOY_ACCESS_LOG" default:"true" negatable:"" help:"Log every request (--no-access-log: only failures and requests slower than a second; /metrics counts them all)."`
	Mail            mailFlags     `embed:""`
	Digest          digestFlags   `embed:""`
	IndexFrom       string        `name:"index-from" env:"PAPERBOY_INDEX_FROM" placeholder:"URL" help:"When this data directory has no search index yet, start from a peer's instead of building one (and its embedding model, vectors and topic map, from /embed/snapshot, when this one has none): the peer's --debug-addr (http://10.0.0.5:6060) or the full URL of its /index/snapshot. The copy then catches up through the change feed."`
	ChangeRetention time.Duration `name:"change-retention" env:"PAPERBOY_CHANGE_RETENTION" default:"720h" help:"How long change-feed entries are kept; a replica down for longer rebuilds its index."`

	// Scheduled harvests: the default sources (defaultFeeds and Hugging
	// Face) unless one is set explicitly or --no-harvest.
	Harvest        bool          `name:"harvest" env:"PAPERBOY_HARVEST" default:"true" negatable:"" help:"Keep the site fresh: with no --harvest-* flag set, read the listing feeds of cs.AI, cs.CL, cs.CV and cs.LG every hour and Hugging Face's daily papers every day (--no-harvest: no scheduled harvests at all)."`
	HarvestOAISets []string      `name:"harvest-oai-sets" env:"PAPERBOY_HARVEST_OAI_SETS" sep:"," placeholder:"SETS" help:"OAI-PMH sets to harvest after each arXiv announcement (21:30 New York time, Sunday to Thursday): cs,math,physics:hep-th. Default: none."`
	HarvestFeeds   []string      `name:"harvest-feeds" env:"PAPERBOY_HARVEST_FEEDS" sep:"," placeholder:"CATEGORIES" help:"Categories whose arXiv listing feeds to read every hour: cs.AI,cs.CL (an empty list reads none). Default: cs.AI,cs.CL,cs.CV,cs.LG unless another --harvest-* flag is set."`
	HarvestHF      bool          `name:"harvest-hf" env:"PAPERBOY_HARVEST_HF" help:"Import Hugging Face's daily papers (yesterday's and today's lists) every day at 23:00 UTC. Default: on unless another --harvest-* flag is set."`
	OAIURL         string        `name:"oai-url" env:"PAPERBOY_OAI_URL" default:"https://oaipmh.arxiv.org/oai" placeholder:"URL" help:"OAI-PMH endpoint of scheduled harvests."`
	FeedURL        string        `name:"feed-url" env:"PAPERBOY_FEED_URL" default:"https://rss.arxiv.org/atom" placeholder:"URL" help:"Base URL of the listing feeds (the category is appended)."`
	HFURL          string        `name:"hf-url" env:"PAPERBOY_HF_URL" default:"https://huggingface.co/api/daily_papers" placeholder:"URL" help:"Hugging Face daily-papers API."`
	HarvestJitter  time.Duration `name:"harvest-jitter" env:"PAPERBOY_HARVEST_JITTER" default:"5m" help:"Largest random delay added to each scheduled harvest."`
	APIURL         string        `name:"api-url" env:"PAPERBOY_API_URL" default:"https://export.arxiv.org/api/query" placeholder:"URL" help:"arXiv's Atom API, for the metadata of submitted papers."`
	SubmitMaxAge   int           `name:"submit-max-age" env:"PAPERBOY_SUBMIT_MAX_AGE" default:"7" placeholder:"DAYS" help:"Submitted papers may be at most this many days old."`
	SubmitDailyCap int           `name:"submit-daily-cap" env:"PAPERBOY_SUBMIT_DAILY_CAP" default:"5" placeholder:"N" help:"Submissions per user per day."`

	HarvestUserAgent string `name:"harvest-user-agent" env:"PAPERBOY_USER_AGENT" placeholder:"UA" help:"User-Agent sent to the sources (default: paperboy's, with its URL)."`

	// harvestSet records whether any --harvest-* source flag (or its
	// variable) was given: then only those sources are harvested.
	harvestSet bool
}

// defaultFeeds are the categories harvested when no source is configured:
// where most of the community's daily papers come from.
var defaultFeeds = []string{"cs.AI", "cs.CL", "cs.CV", "cs.LG"}

// AfterApply (after Validate) applies the default harvest sources when
// none was set explicitly, telling "not configured" from an explicit
// empty list, and clears them all with --no-harvest.
func (c *serveCmd) AfterApply(kctx *kong.Context) error {
	for _, f := range kctx.Flags() {
		switch f.Name {
		case "harvest-feeds", "harvest-hf", "harvest-oai-sets":
			c.harvestSet = c.harvestSet || f.Set
		}
	}
	switch {
	case !c.Harvest:
		c.HarvestOAISets, c.HarvestFeeds, c.HarvestHF = nil, nil, false
	case !c.harvestSet:
		c.HarvestFeeds, c.HarvestHF = defaultFeeds, true
	}
	return nil
}

func (c *serveCmd) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT: %w", c.Addr, err)
	}
	if h := c.Digest.DigestHour; h < -1 || h > 23 {
		return fmt.Errorf("--digest-hour %d: want 0 to 23, or -1 for no scheduled digests", h)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url %q: want an absolute http(s) URL", c.BaseURL)
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	} else if !loopbackAddr(c.Addr) {
		// Emailed links (sign-in, password reset, verification, digests)
		// and feeds are made from the base URL, never from a request's Host
		// header, which anyone can forge; off the loopback interface there
		// is no address to default to.
		return fmt.Errorf("--base-url is required when serving on %s: the links in emails and feeds are made from it (e.g. --base-url https://papers.example.org)", c.Addr)
	}
	c.trustedProxies = nil
	for _, a := range c.TrustedProxies {
		p, err := parsePrefix(strings.TrimSpace(a))
		if err != nil {
			return fmt.Errorf("--trusted-proxies: %q is not an address or a CIDR range (10.0.0.0/8, 127.0.0.1, fd00::/8)", a)
		}
		c.trustedProxies = append(c.trustedProxies, p)
	}
	if c.ChangeRetention < time.Hour {
		return fmt.Errorf("--change-retention %s: want at least 1h", c.ChangeRetention)
	}
	// An explicit empty list (--harvest-feeds="") reads no feeds.
	c.HarvestFeeds = slices.DeleteFunc(c.HarvestFeeds, func(s string) bool { return strings.TrimSpace(s) == "" })
	for _, set := range c.HarvestOAISets {
		if set == "" || strings.ContainsAny(set, " /?&") {
			return fmt.Errorf("--harvest-oai-sets: bad set %q (want cs, math, physics:hep-th, ...)", set)
		}
	}
	for _, cat := range c.HarvestFeeds {
		if !arxiv.ValidCategory(cat) {
			return fmt.Errorf("--harvest-feeds: bad category %q (want cs.AI, hep-th, ...)", cat)
		}
	}
	for _, u := range []struct{ flag, v string }{{"--oai-url", c.OAIURL}, {"--feed-url", c.FeedURL}, {"--hf-url", c.HFURL}, {"--api-url", c.APIURL}} {
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s %q: want an absolute http(s) URL", u.flag, u.v)
		}
	}
	if c.SubmitMaxAge < 1 || c.SubmitDailyCap < 1 {
		return fmt.Errorf("--submit-max-age %d, --submit-daily-cap %d: want at least 1 each", c.SubmitMaxAge, c.SubmitDailyCap)
	}
	if c.HarvestJitter < 0 {
		return fmt.Errorf("--harvest-jitter %s: want 0 or more", c.HarvestJitter)
	}
	return nil
}

// parsePrefix reads a CIDR range, or one address as a range of one.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// scheduler returns the harvest scheduler of the configured sources, or nil
// when none is configured.
func (c *serveCmd) scheduler(e *env, s *store.Store) *harvest.Scheduler {
	// One fetcher per source: the jobs of a source share its spacing.
	fetcher := func(delay time.Duration) *harvest.Fetcher {
		return &harvest.Fetcher{Client: http.DefaultClient, UserAgent: c.HarvestUserAgent, Delay: delay, Log: e.log}
	}
	var jobs []harvest.Job
	if len(c.HarvestOAISets) > 0 {
		oai := &harvest.OAIClient{BaseURL: c.OAIURL, Fetcher: fetcher(time.Second)}
		for _, set := range c.HarvestOAISets {
			jobs = append(jobs, harvest.OAIJob(oai, set, harvest.PrefixArXivRaw, harvest.DefaultOAISchedule()))
		}
	}
	if len(c.HarvestFeeds) > 0 {
		feeds := &harvest.FeedClient{BaseURL: c.FeedURL, Fetcher: fetcher(time.Second)}
		jobs = append(jobs, harvest.FeedJob(feeds, c.HarvestFeeds, harvest.DefaultFeedSchedule()))
	}
	if c.HarvestHF {
		hf := &harvest.HFClient{BaseURL: c.HFURL, Fetcher: fetcher(500 * time.Millisecond)}
		jobs = append(jobs, harvest.HFJob(hf, harvest.DefaultHFSchedule()))
	}
	if len(jobs) == 0 {
		return nil
	}
	return &harvest.Scheduler{Store: s, Harvester: &harvest.Harvester{Store: s, Log: e.log}, Jobs: jobs,
		Jitter: c.HarvestJitter, Log: e.log}
}

// harvestingNames describes the scheduled harvests for the page of a site
// without papers.
func (c *serveCmd) harvestingNames() []string {
	var out []string
	if len(c.HarvestOAISets) > 0 {
		out = append(out, "arXiv OAI-PMH ("+strings.Join(c.HarvestOAISets, ", ")+")")
	}
	if len(c.HarvestFeeds) > 0 {
		out = append(out, "arXiv listing feeds ("+strings.Join(c.HarvestFeeds, ", ")+")")
	}
	if c.HarvestHF {
		out = append(out, "Hugging Face daily papers")
	}
	return out
}

// imageRecent is how many of the newest daily-list papers have their
// images copied.
const imageRecent = 1000

// runImages copies the images of the newest daily-list papers into the
// media library: soon after start, whenever the database changed (a
// harvest or an import brought papers), and every few hours for the
// failures that are due again. Offline, it warns once and waits.
func runImages(ctx context.Context, e *env, s *store.Store, lib *media.Library, f *harvest.ImageFetcher) {
	var seen int64 = -1
	var last time.Time
	offline := false
	tick := time.NewTicker(3 * time.Second) // a cheap check of the feed position
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		seq, err := s.LastChange(ctx)
		if err != nil || (seq == seen && time.Since(last) < 3*time.Hour) {
			continue
		}
		details, err := s.RecentHFDetails(ctx, imageRecent)
		if err != nil {
			e.log.Error("images: reading the papers failed", "err", err)
			continue
		}
		res, err := f.FetchImages(ctx, lib, harvest.MediaURLs(details), time.Now)
		if serr := lib.Save(); serr != nil {
			e.log.Error("images: saving the index failed", "err", serr)
		}
		switch {
		case ctx.Err() != nil:
			return
		case harvest.Unreachable(err):
			if !offline {
				e.log.Warn("images: the image hosts are unreachable; retrying quietly", "err", err)
			}
			// Again in three hours, or when papers arrive.
			seen, last, offline = seq, time.Now(), true
			continue
		case err != nil:
			e.log.Error("images", "err", err)
		}
		seen, last, offline = seq, time.Now(), false
		if res.Fetched+res.Failed > 0 {
			e.log.Info("images copied", "fetched", res.Fetched, "failed", res.Failed)
		}
	}
}

// submitOptions fetches submitted papers that are not stored yet from
// arXiv's API, at most one request every three seconds as arXiv asks.
func (c *serveCmd) submitOptions(e *env, s *store.Store) web.SubmitOptions {
	api := &harvest.APIClient{BaseURL: c.APIURL, Fetcher: &harvest.Fetcher{
		Client: http.DefaultClient, UserAgent: c.HarvestUserAgent, Delay: harvest.DefaultAPIDelay, Log: e.log}}
	hv := &harvest.Harvester{Store: s, Log: e.log}
	return web.SubmitOptions{
		Lookup: web.LookupFunc(func(ctx context.Context, ids []string) error {
			_, err := hv.Lookup(ctx, api, ids)
			return err
		}),
		Rules: store.SubmitRules{MaxAgeDays: c.SubmitMaxAge, DailyCap: c.SubmitDailyCap},
	}
}

// Run serves until the process is told to stop, then shuts down in
// order: the HTTP server stops taking requests and finishes those in
// flight, the mail they started goes out, the background workers stop
// (the index and vectors are saved), and only then the database closes.
func (c *serveCmd) Run(e *env) error {
	unlock, err := lockDataDir(e.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()

	// The embedding model, if one was trained, serves semantic and hybrid
	// search and similar papers; without one, search is lexical. Damaged
	// vectors are rebuilt below; a damaged model waits for retraining.
	if c.IndexFrom != "" {
		c.fetchVectors(e)
	}
	live, rebuild, err := e.openLiveSemantic()
	if err != nil {
		return fmt.Errorf("load the embedding model: %w", err)
	}
	defer func() {
		if err := live.Close(); err != nil {
			e.log.Error("saving the vectors failed", "err", err)
		}
	}()
	// Without --base-url (loopback only) the site is the listen address.
	listenHost, _, _ := net.SplitHostPort(c.Addr)
	sender, err := e.openMail(c.Mail, hostOf(c.BaseURL, cmp.Or(listenHost, "localhost")))
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	if c.BaseURL == "" {
		// Validate allowed this only on a loopback address: local use.
		c.BaseURL = "http://" + ln.Addr().String()
	}

	bg := workers.New(e.ctx, e.log)
	defer func() {
		// Past this, a worker still running would write to a closed store.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		bg.Stop(ctx)
	}()
	// The vectors follow the feed with the lexical index: new papers are
	// embedded as they are indexed, once there are vectors.
	idx := follow.New(follow.Options{Dir: e.indexDir(), Source: s, Log: e.log, OnApply: live.Apply})
	bg.Go("search index", func(ctx context.Context) error { return c.runIndex(ctx, e, s, idx, live) })
	if rebuild != nil {
		bg.Go("vector rebuild", func(ctx context.Context) error {
			e.rebuildVectors(ctx, live, rebuild, s)
			return nil
		})
	}
	bg.Go("change-feed pruning", func(ctx context.Context) error {
		pruneChanges(ctx, e, s, c.ChangeRetention)
		return nil
	})
	// A harvest cut short keeps its checkpoint and is due again at once,
	// for any replica.
	if sched := c.scheduler(e, s); sched != nil {
		names := make([]string, len(sched.Jobs))
		for i, j := range sched.Jobs {
			names[i] = j.Name
		}
		e.log.Info("scheduled harvests", "jobs", strings.Join(names, "; "))
		bg.Go("harvests", func(ctx context.Context) error {
			sched.Run(ctx)
			return nil
		})
	}
	// The one search facade the site serves from: words from the indexer,
	// meaning from the live vectors, and why they are off (logged).
	searcher := &search.Searcher{Lexical: idx, Index: live.Index, Down: live.Down, Log: e.log}

	// Email digests: the subscription pages use the service, and a
	// scheduler composes and sends each day's digests (replicas share the
	// work through the outbox). A digest cut short is sent after restart.
	// Recommendations ("For you", its feed and the digest's section): the
	// features of recent and saved papers are rebuilt in the background;
	// topic follows lift papers by their topics in the searcher's map,
	// and the model reads the papers' embeddings from the live vectors.
	rec := &foryou.Service{Store: s, Topics: searcher, Vectors: liveVectors{live}, Log: e.log}
	bg.Go("recommendations", func(ctx context.Context) error {
		rec.Run(ctx)
		return nil
	})
	digests := newDigests(e, s, sender, c.Mail.MailFrom, c.BaseURL, c.Digest, live, rec)
	if c.Digest.DigestHour >= 0 {
		bg.Go("digests", func(ctx context.Context) error {
			digests.RunScheduled(ctx, digest.Schedule{Hour: c.Digest.DigestHour, Minute: 30}, time.Minute)
			return nil
		})
	}

	lib, err := media.Open(filepath.Join(e.DataDir, "media"))
	if err != nil {
		return err
	}
	if c.Harvest {
		// Copies of the images lists show; a site without harvests
		// (--no-harvest: offline, or tests) fetches none either.
		images := &harvest.ImageFetcher{UserAgent: c.HarvestUserAgent, Delay: 200 * time.Millisecond, Log: e.log}
		bg.Go("images", func(ctx context.Context) error {
			runImages(ctx, e, s, lib, images)
			return nil
		})
	}

	handler := web.NewServer(web.Options{
		Papers: s, Search: searcher, Log: e.log, BaseURL: c.BaseURL,
		Accounts: s, Community: s, Library: s, Authors: s, Subscriptions: digests, Mail: sender, Operations: s, AccessLog: c.AccessLog,
		Submit: c.submitOptions(e, s), TrustedProxies: c.trustedProxies,
		RateStore: s, // limits on mail and sign-in hold across replicas
		// With a private debug address, the metrics are served there only.
		PrivateMetrics: c.DebugAddr != "",
		Media:          lib, Harvesting: c.harvestingNames(),
		ForYou: rec,
	})
	if c.DebugAddr != "" {
		stopDebug := c.serveDebug(e, handler, idx, live)
		defer stopDebug()
	}
	return c.serveHTTP(e, ln, handler)
}

// runIndex loads (or builds) the search index, then follows the change
// feed until ctx ends. Until the index is ready the search API answers
// 503 and everything else works.
func (c *serveCmd) runIndex(ctx context.Context, e *env, s *store.Store, idx *follow.Indexer, live *follow.Vectors) error {
	if sem := live.Index(); sem != nil {
		// First the vectors catch up from their own position, so that the
		// lexical index's catch-up, which they then follow, starts no
		// later than they stopped.
		if n, err := follow.CatchUpVectors(ctx, sem, s); err != nil {
			e.log.Error("embedding new papers failed", "err", err)
		} else if n > 0 {
			e.log.Info("embedded papers that arrived since the vectors were saved", "papers", n)
		}
	}
	if c.IndexFrom != "" {
		if _, err := os.Stat(filepath.Join(e.indexDir(), "meta.bin")); err != nil {
			c.fetchIndex(ctx, e)
		}
	}
	// A failed load (the database briefly away, say) is retried; once an
	// index exists, Run's own catch-up takes over.
	for wait := time.Second; idx.Index() == nil; wait = min(2*wait, time.Minute) {
		err := idx.Load(ctx)
		if err == nil || idx.Index() != nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		e.log.Error("search index unavailable; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
	return idx.Run(ctx)
}

// fetchIndex copies a peer's saved index into the data directory; on
// failure the index is built from the database as usual.
func (c *serveCmd) fetchIndex(ctx context.Context, e *env) {
	u := c.IndexFrom
	if !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"), "/") {
		u = strings.TrimSuffix(u, "/") + "/index/snapshot"
	}
	start := time.Now()
	seq, err := follow.FetchSnapshot(ctx, http.DefaultClient, u, e.indexDir())
	if err != nil {
		e.log.Warn("fetching the search index from the peer failed; building it from the database", "err", err)
		return
	}
	e.log.Info("search index copied from the peer", "from", u, "seq", seq, "took", time.Since(start).Round(time.Millisecond))
}

// fetchVectors copies a peer's embedding model, vectors and topic map into
// the data directory when it has none: a new replica then searches by
// meaning without training, and embeds what changed since the copy
// through the change feed. It asks the peer's /embed/snapshot, beside the
// /index/snapshot of --index-from; on failure search by meaning waits for
// 'paperboy embed train' as usual.
func (c *serveCmd) fetchVectors(e *env) {
	if _, err := os.Stat(e.semanticDir()); err == nil {
		return
	}
	u := strings.TrimSuffix(c.IndexFrom, "/")
	switch {
	case strings.HasSuffix(u, "/index/snapshot"):
		u = strings.TrimSuffix(u, "/index/snapshot") + "/embed/snapshot"
	case !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"), "/"):
		u += "/embed/snapshot"
	default:
		return // a URL of another shape: the index alone
	}
	start := time.Now()
	seq, err := follow.FetchVectorSnapshot(e.ctx, http.DefaultClient, u, e.semanticDir())
	if err != nil {
		e.log.Warn("copying the vectors from the peer failed; search by meaning waits for 'paperboy embed train'", "err", err)
		return
	}
	e.log.Info("vectors copied from the peer", "from", u, "seq", seq, "took", time.Since(start).Round(time.Millisecond))
}

// serveDebug serves the profiler and the metrics on the private debug
// address, never through the public one; the returned func stops it.
func (c *serveCmd) serveDebug(e *env, handler *web.Server, idx *follow.Indexer, live *follow.Vectors) (stop func()) {
	debug := http.NewServeMux()
	debug.Handle("/debug/pprof/", http.DefaultServeMux)
	debug.Handle("GET /metrics", handler.MetricsHandler())
	// A consistent copy of the saved search index for a new replica's
	// --index-from (a tar of its files; meta.bin holds the feed position).
	debug.HandleFunc("GET /index/snapshot", func(w http.ResponseWriter, r *http.Request) {
		if idx.Index() == nil {
			http.Error(w, "the search index is not ready yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		if err := idx.WriteSnapshot(w); err != nil {
			e.log.Error("index snapshot", "err", err)
		}
	})
	// The same for the embedding model, the vectors and the topic map
	// (their feed position inside), so that a new replica need not train.
	debug.HandleFunc("GET /embed/snapshot", func(w http.ResponseWriter, r *http.Request) {
		if live.Index() == nil {
			http.Error(w, "no vectors to copy", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		if err := live.WriteSnapshot(w); err != nil {
			e.log.Error("vectors snapshot", "err", err)
		}
	})
	dbg := &http.Server{Addr: c.DebugAddr, Handler: debug, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := dbg.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("debug server", "err", err)
		}
	}()
	e.log.Info("profiler and metrics", "pprof", "http://"+c.DebugAddr+"/debug/pprof/", "metrics", "http://"+c.DebugAddr+"/metrics")
	return func() { dbg.Close() }
}

// serveHTTP serves handler on ln until the process is told to stop, then
// lets requests in flight finish and the mail they started go out.
func (c *serveCmd) serveHTTP(e *env, ln net.Listener, handler *web.Server) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	e.log.Info("serving", "addr", "http://"+ln.Addr().String(), "database", redactURL(e.DatabaseURL))
	if e.opts.OnListen != nil {
		e.opts.OnListen(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-e.ctx.Done():
	}
	e.log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := handler.Drain(ctx); err != nil {
		e.log.Error("shutting down", "err", err)
	}
	return nil
}

// pruneChanges trims the change feed every few hours. Every replica may do
// it: deleting old entries is idempotent.
func pruneChanges(ctx context.Context, e *env, s *store.Store, retention time.Duration) {
	tick := time.NewTicker(6 * time.Hour)
	defer tick.Stop()
	for {
		if n, err := s.PruneChanges(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			e.log.Error("pruning the change feed failed", "err", err)
		} else if n > 0 {
			e.log.Info("pruned the change feed", "entries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// loopbackAddr reports whether a listen address (HOST:PORT) is reachable
// only from this machine.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
