package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"strings"
	"unicode"
)

// ErrAddress is wrapped by CheckAddress's refusals.
var ErrAddress = errors.New("not a deliverable email address")

// CheckAddress checks an email address typed by a person (a form, a
// flag) and returns it trimmed. It is the one rule for every address
// paperboy mails: a bare address (not "Ada <a@b.org>"), at most 254
// bytes, whose domain is a public-looking host name: not "localhost", not
// a literal IP address ("x@[127.0.0.1]", "x@10.0.0.1") and with a dot,
// so that a stranger cannot point the server's mail at its own machine or
// network.
func CheckAddress(raw string) (string, error) {
	addr := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || len(addr) > 254 {
		return "", fmt.Errorf("%q: %w", raw, ErrAddress)
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "", fmt.Errorf("%q: %w", raw, ErrAddress)
	}
	if err := checkDomain(addr[at+1:]); err != nil {
		return "", fmt.Errorf("%q: %w: %s", raw, ErrAddress, err)
	}
	return addr, nil
}

func checkDomain(domain string) error {
	host := strings.TrimSuffix(strings.ToLower(domain), ".")
	if strings.HasPrefix(host, "[") {
		return errors.New("the domain is a literal address")
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return errors.New("the domain is a literal address")
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return errors.New("the domain has no dot")
	}
	if labels[len(labels)-1] == "localhost" {
		return errors.New("the domain is this machine")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return errors.New("the domain is malformed")
		}
		for _, c := range l {
			if c != '-' && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
				return errors.New("the domain is malformed")
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return errors.New("the domain's last label is a number")
	}
	return nil
}
