package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/digest"
	"github.com/paperboy-dev/paperboy/internal/foryou"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/search"
	"github.com/paperboy-dev/paperboy/internal/search/follow"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// digestCmd composes and sends email digests.
type digestCmd struct {
	Send    digestSendCmd    `cmd:"" help:"Compose and send every digest due on a date, then exit; a second run for the date sends nothing."`
	Preview digestPreviewCmd `cmd:"" help:"Print (or write) the digest an address would get."`
}

// digestFlags are the digest settings serve and digest share.
type digestFlags struct {
	DigestHour    int    `name:"digest-hour" env:"PAPERBOY_DIGEST_HOUR" default:"23" placeholder:"H" help:"Hour (UTC) at which serve composes and sends each day's digests, at minute 30: after Hugging Face's daily list is harvested (23:00). -1 turns scheduled digests off."`
	DigestWeekday string `name:"digest-weekday" env:"PAPERBOY_DIGEST_WEEKDAY" default:"monday" enum:"sunday,monday,tuesday,wednesday,thursday,friday,saturday" help:"Day of the weekly digest (covering the seven days up to it)."`
}

func (f digestFlags) weekday() time.Weekday {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(d.String(), f.DigestWeekday) {
			return d
		}
	}
	return time.Monday
}

// validateBaseURL checks --base-url and returns it without a trailing
// slash.
func validateBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--base-url %q: want an absolute http(s) URL", raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// newDigests returns the digest service of a command. Subscribers with a
// library get their library model's recommendations (rec); the others,
// while there is a semantic index, papers like the ones they upvoted.
func newDigests(e *env, s *store.Store, sender mail.Sender, from, baseURL string, f digestFlags, live *follow.Vectors, rec *foryou.Service) *digest.Service {
	svc := &digest.Service{Store: s, Mail: sender, From: from, BaseURL: baseURL, Log: e.log, Weekly: f.weekday()}
	if live.Index() != nil || live.Down() != "" {
		svc.Recommender = digest.SimilarRecommender{Votes: s, Similar: func(ctx context.Context, id string, k int) ([]store.Paper, error) {
			sem := live.Index()
			if sem == nil {
				return nil, search.ErrUnavailable
			}
			p, err := s.Paper(ctx, id)
			if err != nil {
				return nil, err
			}
			sims, err := sem.SimilarPapers(ctx, s, p, k)
			if err != nil {
				return nil, err
			}
			out := make([]store.Paper, len(sims))
			for i, sp := range sims {
				out[i] = sp.Paper
			}
			return out, nil
		}}
	}
	svc.Recommender = rec.Digest(svc.Recommender)
	return svc
}

// digestCommon are the flags of both digest subcommands.
type digestCommon struct {
	Mail    mailFlags   `embed:""`
	BaseURL string      `name:"base-url" env:"PAPERBOY_BASE_URL" placeholder:"URL" help:"Public address of the site (https://papers.example.org), for the links in digests."`
	Digest  digestFlags `embed:""`
	Date    string      `name:"date" placeholder:"YYYY-MM-DD" help:"Digest date (default: today, UTC)."`
}

func (c *digestCommon) date() (time.Time, error) {
	if c.Date == "" {
		return time.Now().UTC().Truncate(24 * time.Hour), nil
	}
	d, err := time.Parse(time.DateOnly, c.Date)
	if err != nil {
		return time.Time{}, fmt.Errorf("--date %q: want YYYY-MM-DD", c.Date)
	}
	return d, nil
}

func (c *digestCommon) open(e *env) (*store.Store, *digest.Service, time.Time, error) {
	date, err := c.date()
	if err != nil {
		return nil, nil, date, err
	}
	base, err := validateBaseURL(c.BaseURL)
	if err != nil {
		return nil, nil, date, err
	}
	if base == "" {
		if c.Mail.SMTPURL != "" {
			// Real mail must link to the real site.
			return nil, nil, date, fmt.Errorf("--base-url is required to send digests through --smtp-url: their links are made from it")
		}
		e.log.Warn("no --base-url: links in digests point to http://localhost:8080")
	}
	sender, err := e.openMail(c.Mail, hostOf(base, "localhost"))
	if err != nil {
		return nil, nil, date, err
	}
	s, err := e.openStore()
	if err != nil {
		return nil, nil, date, err
	}
	sem, err := e.openSemantic()
	if err != nil {
		e.log.Warn("no recommendations from upvotes: the embedding model did not load", "err", err)
		sem = nil
	}
	live := follow.NewVectors(e.semanticDir(), sem, "")
	return s, newDigests(e, s, sender, c.Mail.MailFrom, base, c.Digest, live,
		&foryou.Service{Store: s, Vectors: liveVectors{live}, Log: e.log}), date, nil
}

type digestSendCmd struct {
	digestCommon
	DryRun bool `name:"dry-run" help:"Compose the due digests and list them, storing and sending nothing."`
}

func (c *digestSendCmd) Run(e *env) error {
	s, svc, date, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.Close()
	if closer, ok := svc.Mail.(interface{ Close() error }); ok {
		defer closer.Close()
	}
	if c.DryRun {
		st, err := svc.Compose(e.ctx, date, true, func(sub store.Subscription, m mail.Message) {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", sub.Email, sub.Cadence, m.Subject)
		})
		if err != nil {
			return fmt.Errorf("digest send --dry-run: %w", err)
		}
		fmt.Fprintf(e.stdout, "dry run for %s: %d digests would be sent, %d subscribers have nothing new\n",
			date.Format(time.DateOnly), st.Composed, st.Empty)
		return nil
	}
	// A rerun after an interrupted one sends what that run left leased,
	// rather than exiting with digests due.
	svc.WaitForLeases = true
	st, err := svc.Run(e.ctx, date)
	fmt.Fprintf(e.stdout, "digests for %s: %d composed, %d empty, %d sent, %d to retry, %d failed\n",
		date.Format(time.DateOnly), st.Composed, st.Empty, st.Sent, st.Retried, st.Failed)
	if err != nil {
		return fmt.Errorf("digest send: %w", err)
	}
	return nil
}

type digestPreviewCmd struct {
	digestCommon
	Email string `name:"email" required:"" placeholder:"ADDRESS" help:"Subscriber whose digest to show (an unknown address gets the trending digest)."`
	Out   string `name:"out" placeholder:"FILE" help:"Write the message (MIME, both parts; open it in a mail client) to FILE, or with a .html name only the HTML part. Default: print the text part."`
}

func (c *digestPreviewCmd) Run(e *env) error {
	s, svc, date, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.Close()
	m, err := svc.Preview(e.ctx, c.Email, date)
	if err != nil {
		return fmt.Errorf("digest preview: %w", err)
	}
	if c.Out == "" {
		fmt.Fprintf(e.stdout, "Subject: %s\nMessage-ID: <%s>\n\n%s", m.Subject, m.MessageID, m.Text)
		return nil
	}
	var b bytes.Buffer
	if strings.HasSuffix(c.Out, ".html") {
		b.WriteString(m.HTML)
	} else if _, err := m.WriteTo(&b); err != nil {
		return fmt.Errorf("digest preview: %w", err)
	}
	if err := os.WriteFile(c.Out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("digest preview: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", c.Out)
	return nil
}
