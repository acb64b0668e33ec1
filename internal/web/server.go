// Package web serves paperboy over HTTP: the JSON API, the HTML pages and
// the feeds.
package web

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-dev/paperboy/internal/accounts"
	"github.com/paperboy-dev/paperboy/internal/authors"
	"github.com/paperboy-dev/paperboy/internal/citation"
	"github.com/paperboy-dev/paperboy/internal/community"
	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/library"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/media"
	"github.com/paperboy-dev/paperboy/internal/problem"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// Papers is what the web layer reads from the store.
type Papers interface {
	Paper(ctx context.Context, id string) (store.Paper, error)
	PapersByID(ctx context.Context, ids []string) ([]store.Paper, error)
	DailyPapers(ctx context.Context, from, to time.Time, limit, offset int) ([]store.Paper, error)
	CountDailyPapers(ctx context.Context, from, to time.Time) (int, error)
	TrendingCandidates(ctx context.Context, since, until time.Time, limit int) ([]store.Paper, error)
	AdjacentDays(ctx context.Context, day time.Time) (prev, next time.Time, err error)
	DailyListPapers(ctx context.Context, f store.DailyListFilter, limit, offset int) ([]store.Paper, error)
	CountDailyListPapers(ctx context.Context, f store.DailyListFilter) (int, error)
	LatestDailyListDay(ctx context.Context) (time.Time, error)
	Ping(ctx context.Context) error
	// LastChange is the database's last change-feed sequence number: the
	// version of everything the site renders (see respcache.go).
	LastChange(ctx context.Context) (int64, error)
	CountSitemapPapers(ctx context.Context) (int, error)
	SitemapPapers(ctx context.Context, offset, limit int) ([]store.SitemapEntry, error)
	ListPapers
}

//go:embed templates static
var files embed.FS

// Server is paperboy's HTTP handler.
type Server struct {
	kpCache kpCache // kpcache.go

	papers Papers
	// searcher is the search facade: every mode, topic groups and similar
	// papers; nil without search.
	searcher *search.Searcher
	// search is the facade's lexical index, which feeds and suggestions
	// query directly and whose version keys the response cache; nil
	// without search.
	search     search.LexicalSearcher
	log        *slog.Logger
	now        func() time.Time
	baseURL    string
	pages      *template.Template
	static     *staticFiles
	mux        *http.ServeMux
	build      string       // identifies the embedded templates and assets
	cache      *respCache   // nil when disabled
	paperCache *paperCache  // nil when the response cache is disabled
	changes    *changeClock // reads the database's version
	// cross rejects cross-origin state-changing requests from browsers
	// (CSRF); requests without browser fetch metadata (scripts with API
	// tokens) pass.
	cross *http.CrossOriginProtection

	accounts  *accounts.Service // nil when accounts are disabled
	community Community         // the store, for the pages' reads
	// communityService runs votes, comments, submissions and moderation;
	// nil when community is.
	communityService *community.Service
	// library runs saved papers and collections; nil without a Library.
	library *library.Service
	// foryou ranks recommendations (foryou.go); nil disables them.
	foryou *foryou.Service
	// authors runs author pages, follows and claims; nil when the
	// options give no AuthorStore.
	authors        *authors.Service
	subscriptions  Subscriptions
	mail           mail.Sender
	limiters       *limiters
	background     sync.WaitGroup // mail sent after the response (inBackground)
	trustedProxies []netip.Prefix
	ops            Operations
	httpStats      httpMetrics
	accessLog      bool
	// sitemapSize is the number of URLs per sitemap file.
	sitemapSize int
	media       *media.Library // nil: lists show text cards
	harvesting  []string       // the scheduled harvests, for the empty site's page
	// apiDoc is the OpenAPI document read for /help/api.
	apiDoc *apiDoc
	// routes are the registered patterns, in order.
	routes []string
}

// Options are what a Server serves from.
type Options struct {
	Papers Papers
	// Search is the search facade, built once by the caller. Without a
	// semantic index (Search.Index returns nil) search answers in lexical
	// mode and similar papers are unavailable; Search.Down's reason is
	// logged, never shown. nil: search pages and feeds answer 503.
	Search *search.Searcher
	Log    *slog.Logger
	// Now is the clock that picks today's daily list and ages trending
	// papers; time.Now when nil.
	Now func() time.Time
	// BaseURL is the public address ("https://papers.example.org") used in
	// emailed links, feeds, OpenSearch and canonical links; DefaultBaseURL
	// when empty. It is never taken from a request.
	BaseURL string
	// Cache tunes the server-side cache of rendered responses.
	Cache CacheOptions

	// Accounts, Community and Subscriptions are the stores of users and
	// their sessions, of votes, comments and submissions, and of digest
	// subscriptions; nil disables those pages.
	Accounts      Accounts
	Community     Community
	Subscriptions Subscriptions
	// Library keeps saved papers and collections; nil disables them.
	Library Library
	// Authors is the store of the author index, follows and claims; nil
	// disables author pages, follows and claims. Library saves approved
	// claims to libraries and Topics resolves followed topics; either may
	// be nil.
	Authors AuthorStore
	Topics  Topics
	// Submit fetches submitted papers from arXiv and sets the submission
	// rules (community.go).
	Submit SubmitOptions
	// Mail sends account and subscription email.
	Mail mail.Sender
	// Operations feeds /metrics and the harvest admin page; nil leaves
	// them with the process's own figures only.
	Operations Operations
	// AccessLog logs every request; without it only failures (5xx) and
	// requests slower than a second are logged.
	AccessLog bool
	// TrustedProxies are the addresses of proxies in front of the server,
	// whose X-Forwarded-For names the client for per-address rate limits.
	// Without them the connection's address is the client's.
	TrustedProxies []netip.Prefix
	// PrivateMetrics leaves /metrics off the public routes; serve it
	// elsewhere with MetricsHandler.
	PrivateMetrics bool
	// RateLimits replace DefaultRateLimits when not nil.
	RateLimits map[string]RateLimit
	// RateStore keeps the limits on mail and sign-in where every replica
	// shares them (the database); nil keeps them in this process's memory.
	RateStore RateStore
	// Media holds the copies of the lists' images, served under /media/;
	// nil shows text cards.
	Media *media.Library
	// ForYou ranks readers' recommendations ("For you", its API and
	// feeds); nil, or no Library, disables them.
	ForYou *foryou.Service
	// Harvesting names the scheduled harvests ("arXiv listing feeds (cs.AI,
	// cs.CL)"), which a site without papers says it is waiting for.
	Harvesting []string
}

// DefaultBaseURL is the base URL of a server given none: serve's default
// listen address.
const DefaultBaseURL = "http://127.0.0.1:8080"

// NewServer returns a handler serving the API, the pages and the feeds.
func NewServer(opts Options) *Server {
	s := &Server{
		papers:   opts.Papers,
		searcher: opts.Search,
		log:      opts.Log,
		now:      opts.Now,
		baseURL:  strings.TrimSuffix(cmp.Or(opts.BaseURL, DefaultBaseURL), "/"),
		static:   loadStatic(),
		mux:      http.NewServeMux(),
		build:    buildID(),
		cross:    http.NewCrossOriginProtection(),

		community:      opts.Community,
		subscriptions:  opts.Subscriptions,
		mail:           opts.Mail,
		ops:            opts.Operations,
		accessLog:      opts.AccessLog,
		trustedProxies: opts.TrustedProxies,

		sitemapSize: sitemapURLs,
		media:       opts.Media,
		harvesting:  opts.Harvesting,
		foryou:      opts.ForYou,
	}
	if opts.Cache.MaxBytes >= 0 && opts.Papers != nil {
		s.cache = newRespCache(cmp.Or(opts.Cache.MaxBytes, defaultCacheBytes))
		s.changes = &changeClock{read: opts.Papers.LastChange, freshness: cmp.Or(opts.Cache.Freshness, defaultCacheFreshness)}
		s.paperCache = newPaperCache(defaultPaperCacheSize)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.searcher != nil && s.searcher.Lexical != nil {
		s.search = s.searcher.Lexical
	} else {
		s.searcher = nil
	}
	if s.now == nil {
		s.now = time.Now
	}
	limits := opts.RateLimits
	if limits == nil {
		limits = DefaultRateLimits
	}
	s.limiters = newLimiters(limits, opts.RateStore, s.now)
	if opts.Community != nil {
		s.communityService = &community.Service{
			Store: opts.Community, Papers: opts.Papers, Submit: opts.Submit, Now: s.now, Log: s.log,
		}
	}
	if opts.Library != nil {
		s.library = &library.Service{Store: opts.Library, Matcher: &citation.Matcher{Papers: opts.Library, Fetch: opts.Submit.Lookup}}
	}
	if opts.Authors != nil {
		topics := opts.Topics
		if topics == nil && s.searcher != nil {
			topics = mapTopics{s.searcher} // the topic map, once there is one
		}
		s.authors = &authors.Service{Store: opts.Authors, Library: librarySaver{s.library}, Topics: topics, Log: s.log}
	}
	if opts.Accounts != nil {
		s.accounts = &accounts.Service{
			Store: opts.Accounts, Mail: opts.Mail, BaseURL: s.baseURL, Passwords: passwords,
			MayMail: s.mayMail, Now: s.now,
		}
	}
	doc, err := newAPIDoc(s.static.files["openapi.json"])
	if err != nil {
		panic(err) // the document is embedded: a test reads it
	}
	s.apiDoc = doc
	s.pages = template.Must(template.New("").Funcs(s.templateFuncs()).Funcs(s.headFuncs()).ParseFS(files, "templates/*.html"))

	s.handle("GET /healthz", s.healthz)
	if !opts.PrivateMetrics {
		s.handle("GET /metrics", s.metrics)
	}
	s.handle("GET /admin/harvest", s.harvestAdmin)
	s.handle("GET /api/papers/search", s.apiSearch)
	s.handle("GET /api/suggest", s.suggest)
	s.handle("GET /api/papers/{id...}", s.apiPaper)
	s.handle("GET /api/daily_papers", s.apiDailyPapers)
	s.handle("GET /api/openapi.json", s.openAPI)
	s.handle("GET /{$}", s.home)
	s.handle("GET /papers/date", s.pickDate)
	s.handle("GET /papers/date/{date}", s.dayPage)
	s.handle("GET /week/{week}", s.weekPage)
	s.handle("GET /month/{month}", s.monthPage)
	s.handle("GET /trending", s.trendingPage)
	s.handle("GET /papers/{id...}", s.paperPage)
	s.handle("GET /search", s.searchPage)
	s.handle("GET /search/topics", s.searchTopics)
	s.handle("GET /help/search", s.staticPage("help_search.html", "Search help"))
	s.handle("GET /help/api", s.helpAPI)
	s.handle("GET /feeds/{file}", s.feed)
	s.handle("GET /static/{file}", s.serveStatic)
	s.handle("GET /media/{file}", s.serveMedia)
	s.handle("GET /favicon.ico", s.favicon)
	s.handle("GET /robots.txt", s.robots)
	s.handle("GET /sitemap.xml", s.sitemap)
	s.handle("GET /sitemaps/{file}", s.sitemapPage)
	s.handle("GET /opensearch.xml", s.openSearch)
	s.accountRoutes()
	s.communityRoutes()
	s.subscribeRoutes()
	s.libraryRoutes()
	s.authorRoutes()
	s.forYouRoutes()
	s.topicRoutes()
	return s
}

// ServeHTTP sets the security headers, answers GET and HEAD from the
// response cache (respcache.go), compresses and validates responses
// (cache.go), and logs every request with its status and
// duration.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "interest-cohort=(), browsing-topics=()")
	if strings.HasPrefix(s.baseURL, "https://") {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if cors(rec, r) { // cors.go
		s.logRequest(r, rec.status, start)
		return
	}
	// Nothing reads the request before it is checked: not authentication,
	// not a handler (body.go).
	if err := checkRequest(r); err != nil {
		s.renderError(rec, r, err)
		s.logRequest(r, rec.status, start)
		return
	}
	r, authErr := s.authenticate(r)
	if authErr == nil {
		// A session cookie that no longer signs in is dropped here, on any
		// page, so the browser stops sending it. (Requests with cookies
		// never use the shared cache: respcache.go.)
		s.clearStaleCookie(rec, r)
	}
	switch {
	case authErr != nil:
		s.renderError(rec, r, authErr)
	case s.cross.Check(r) != nil:
		s.renderError(rec, r, problem.New(problem.Forbidden, "cross-origin request refused"))
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		s.route(rec, r)
	case viewerFrom(r.Context()) != nil:
		// Signed-in pages are personal: never from or into the shared cache.
		w.Header().Set("Cache-Control", "private, no-store")
		cw := newCacheWriter(rec)
		s.route(cw, r)
		cw.finish(r)
	case s.cache != nil && s.serveCached(rec, r):
		// answered from the response cache, or rendered into it
	default:
		cw := newCacheWriter(rec)
		s.route(cw, r)
		cw.finish(r)
	}
	s.logRequest(r, rec.status, start)
}

// logRequest counts a request in /metrics and logs it.
func (s *Server) logRequest(r *http.Request, status int, start time.Time) {
	took := time.Since(start)
	s.httpStats.observe(status, took)
	// Every request is counted in /metrics; the log gets each one only with
	// the access log on, and otherwise the failures and the slow ones.
	if s.accessLog || status >= 500 || took >= slowRequest {
		level := slog.LevelInfo
		if status >= 500 || took >= slowRequest {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", status), slog.Duration("duration", took))
	}
}

// slowRequest is how long a request may take before it is logged even
// with the access log off.
const slowRequest = time.Second

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// route serves a request through the mux. A request that matches no
// route gets the site's own 404 page, or 405 with Allow when the path
// exists for other methods.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The mux's own answer says which of the two it is.
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		s.renderError(w, r, problem.New(problem.NotAllowed, "This address does not take "+r.Method+" requests."))
		return
	}
	s.renderError(w, r, errNotFound("There is no page at this address."))
}

// headerProbe records a response's status and headers and drops its body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

// handlerFunc is a handler that returns its failure; handle renders it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h for pattern. The request's body is bounded and its
// form parsed here, by the route's kind (body.go), and whatever a
// multipart form held is released when the handler returns.
func (s *Server) handle(pattern string, h handlerFunc) {
	limit, read := bodyLimit(pattern), readBody
	if rawBodyRoutes[pattern] {
		read = readRawBody
	}
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		err := read(w, r, limit)
		if err == nil {
			err = h(w, r)
		}
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
		if err != nil {
			s.renderError(w, r, err)
		}
	})
}

func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/feeds/") || bearer(r)
}

// bearer reports whether the request authenticates with an API token: a
// script, which gets JSON errors wherever it calls.
func bearer(r *http.Request) bool {
	_, ok := requestBearer(r)
	return ok
}

// requestBearer is the token of an "Authorization: Bearer TOKEN" header;
// ok is false for no header or another scheme.
func requestBearer(r *http.Request) (token string, ok bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// loggedPath keeps one-time secrets out of the request log: the emailed
// links carry their token in the path.
func loggedPath(p string) string {
	for _, prefix := range []string{"/reset/", "/login/link/", "/unsubscribe/", "/subscribe/confirm/", "/subscription/", "/feeds/for-you/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "…"
		}
	}
	return p
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := s.papers.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
	return nil
}
