package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	s := NewServer(Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
	}})
	for _, c := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"direct client", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct client's header is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"through a proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"through two proxies", "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"a forged left part is not believed", "10.1.2.3:5000", []string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"headers on several lines", "10.1.2.3:5000", []string{"192.0.2.66", "198.51.100.1"}, "198.51.100.1"},
		{"a garbled hop stops the walk", "10.1.2.3:5000", []string{"198.51.100.1, junk, 10.9.9.9"}, "10.9.9.9"},
		{"proxy without the header", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 proxy", "[fd00::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped proxy", "[::ffff:10.1.2.3]:5000", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, f := range c.forwarded {
			r.Header.Add("X-Forwarded-For", f)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s: client %s, want %s", c.name, got, c.want)
		}
	}
}
