package web

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// workCases build, for a size n, the most expensive comments of about n
// bytes we could construct for the renderer: each defeated an earlier
// version that searched again from every position.
var workCases = []struct {
	name string
	make func(n int) string
}{
	{"brackets", func(n int) string { return strings.Repeat("[", n) }},
	{"stars", func(n int) string { return strings.Repeat("*", n) }},
	{"backticks", func(n int) string { return "x" + strings.Repeat("`", n) }},
	{"link-openers", func(n int) string { return strings.Repeat("[a](", n/4) }},
	{"star-underscore", func(n int) string { return strings.Repeat("*_", n/2) }},
	{"nested-brackets", func(n int) string { return strings.Repeat("[", n/2) + strings.Repeat("]", n/2) }},
	{"brackets-long-url", func(n int) string {
		return strings.Repeat("[", min(n/4, 500)) + "](https://" + strings.Repeat("x", n-min(n/4, 500))
	}},
	{"brackets-bad-url", func(n int) string {
		return strings.Repeat("[", min(n/4, 500)) + "](http:///" + strings.Repeat("x", n-min(n/4, 500)) + ")"
	}},
	{"brackets-long-text", func(n int) string {
		return strings.Repeat("[é", min(n/4, 400)) + strings.Repeat("é", n/4) + "](https://a.example/)"
	}},
	{"bare-url-retries", func(n int) string { return strings.Repeat("http://%(", n/9) }},
	{"bare-url-path-retries", func(n int) string { return "http://a.example/" + strings.Repeat("%(http://b/", n/11) }},
	{"bare-url-fragment-retries", func(n int) string { return "http://a.example/#" + strings.Repeat("%(http://b/#", n/12) }},
	{"bare-url-ctl-retries", func(n int) string { return "http://a.example/" + strings.Repeat("'https://b/", n/11) + "\x01" }},
	{"mentions", func(n int) string { return strings.Repeat(" @a", n/3) }},
	{"long-mentions", func(n int) string { return strings.Repeat(" @"+strings.Repeat("a", 60), n/63) }},
	{"emphasis-spaced", func(n int) string { return strings.Repeat("*a *", n/4) }},
	{"strong-unclosed", func(n int) string { return strings.Repeat("**a*", n/4) }},
	{"strong-in-link", func(n int) string { return strings.Repeat("[**a *b* `c`**](https://x.example/) ", n/36) }},
	{"fences", func(n int) string { return strings.Repeat("```\n", n/4) }},
	{"lines", func(n int) string { return strings.Repeat("[\n", n/2) }},
}

func BenchmarkRenderMarkdownWorstCase(b *testing.B) {
	for _, c := range workCases {
		in := c.make(maxCommentBytes)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				renderMarkdown(in)
			}
		})
	}
}

// markdownWorkPerByte bounds the bytes the renderer examines per byte of
// input: a constant, whatever the input, is what makes it linear.
const markdownWorkPerByte = 16

// renderWork renders in and returns the HTML and the bytes examined.
func renderWork(in string) (string, int) {
	var r mdRenderer
	out := r.render(in)
	return out, r.work
}

func TestRenderMarkdownWorkIsLinear(t *testing.T) {
	for _, c := range workCases {
		t.Run(c.name, func(t *testing.T) {
			for n := 250; n <= 2*maxCommentBytes; n *= 2 {
				in := c.make(n)
				if _, work := renderWork(in); work > markdownWorkPerByte*len(in)+64 {
					t.Errorf("%d bytes: examined %d bytes (%.1f a byte), want at most %d a byte",
						len(in), work, float64(work)/float64(len(in)), markdownWorkPerByte)
				}
			}
		})
	}
}

// markdownCorpus holds inputs whose rendering must not change: the edges
// of each construct, and of url.Parse for bare addresses.
var markdownCorpus = []string{
	"plain", "<script>alert(1)</script>", "**bold** and *em* and `<b>code</b>`",
	"[x](javascript:alert(1))", "[x](data:text/html,hi)", `[x](https://a.example/" onmouseover="alert(1))`,
	`[click](https://a.example/?q=1&r=<2>)`, "[a **b**](https://a.example/x)", "[@bob https://x.example](https://a.example/@c)",
	"see https://arxiv.org/abs/2506.00001.", "hi @ada, mail a@b.org", "line one\nline two\n\npara two",
	"```\n<img src=x onerror=alert(1)>\n**not bold**\n```", "a * b * c", "unclosed **bold and `code", "naïve café",
	"```go\ncode\n", "  ```\n```", "```\n\n```\nafter", "a\r\nb\r\n\r\nc", "a\x00b", "\xff\xfe[a](https://x.example)", "é\xe2\x82",
	"**a**b**", "***a***", "*a*b*", "* a*", "*a *", "` a `b`", "``", "x``y", "****", "**`**`",
	"@__", "@-a-", "@" + strings.Repeat("a", 45), "(@ada) [@bob] '@cy' \"@dee\"", "x@ada", "@ada's",
	"Http://a.example", "hhttp://a.example", "xhttp://a.example", "http://", "http://.", "https://a", "http://a.example/x.", "http://a.example/(x))",
	"http://a.example/%zz", "http://a.example/#%zz", "http://a.example/#%4", "http://a.example/?%zz", "http://a.example/%", "http://a.example/%4",
	"http://a.example/a%4#b", "http://a.example/a%41#%4", "http://a.example/a%41#%41", "http://%41.example/", "http://a%2.example/", "http://a%c3%a9.example/",
	"http://[::1]:80/x", "http://[::1/x", "http://a:b@c.example/x", "http://a@b@c.example/", "http://a:port/", "http://a.example:8080/x?y#z",
	"http://a\x01b.example/", "http://a.example/#\x01", "http://a.example/\x7f", "http://a.example/?q=\x01", "(http://a.example/x)", "'https://a.example/'",
	"x http://%(https://ok.example/ y", "http://a.example/%(http://b.example/", "http://a.example/#%(http://b.example/", "http://a?(http://b/",
	"http://a#(http://b/", "http://a/(http://b", "http://a/%zz?(http://b/%41#x", "http://a/(http://b/%zz", "http://x/'http://y/#%z'http://z/",
	"[t](http://%zz)", "[t](https://a.example/%zz)", "[t](https://a.example/x) [u](https://b.example/y)", "[a](https://x.example)(https://y.example)",
	"[[a](https://x.example)](https://y.example)", "[a]\n(https://x.example)", "[a](https://)", "[a](https://x.example", "[](https://x.example)",
	"[a](http:///x)", "[a](Https://x.example)", "[a](https://x.example/(b))", "[a]](https://x.example)", "[a [b](https://x.example)",
	"[" + strings.Repeat("é", 500) + "](https://x.example)", "[" + strings.Repeat("é", 501) + "](https://x.example)",
	"[" + strings.Repeat("a", 500) + "](https://x.example)", "[" + strings.Repeat("a", 501) + "](https://x.example)",
	"[[" + strings.Repeat("é", 499) + "](https://x.example)", "[" + strings.Repeat("[é", 300) + "](https://x.example)",
	"**[a](https://b.example/ *c*)**", "*[a](https://b.example/)*", "[*a* `b` **c**](https://b.example/)", "**http://a.example/**",
	"`[a](https://b.example/)`", "[`a](https://b.example/)`", "**@ada**", "*https://a.example/*",
}

func TestRenderMarkdownMatchesReference(t *testing.T) {
	corpus := markdownCorpus
	for _, c := range workCases {
		for _, n := range []int{20, 45, 200, 1200} {
			corpus = append(corpus, c.make(n))
		}
	}
	for _, in := range corpus {
		want := string(renderMarkdownReference(strings.ToValidUTF8(in, "\uFFFD")))
		if got := string(renderMarkdown(in)); got != want {
			t.Errorf("renderMarkdown(%.200q)\n got %.300q\nwant %.300q", in, got, want)
		}
	}
}

// ownMarkup matches the markup renderMarkdown writes; nothing else in its
// output may be a tag.
var ownMarkup = regexp.MustCompile(`<(/?(p|br|pre|code|strong|em|a))>|<a href="(https?://|/u/)[^"<>]*" (rel="nofollow ugc"|class="mention")>`)

func FuzzRenderMarkdown(f *testing.F) {
	for _, in := range markdownCorpus {
		f.Add(in)
	}
	for _, c := range workCases {
		f.Add(c.make(40))
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, work := renderWork(in)
		if !utf8.ValidString(out) {
			t.Errorf("output is not valid UTF-8: %q", out)
		}
		if rest := ownMarkup.ReplaceAllString(out, ""); strings.ContainsAny(rest, "<>") {
			t.Errorf("markup from the input reached the output: %q", out)
		}
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Errorf("output has a script tag: %q", out)
		}
		if work > markdownWorkPerByte*len(in)+64 {
			t.Errorf("%d bytes: examined %d bytes", len(in), work)
		}
		// The reference is quadratic: compare on inputs it renders quickly.
		if len(in) <= 4096 {
			if want := string(renderMarkdownReference(strings.ToValidUTF8(in, "\uFFFD"))); out != want {
				t.Errorf("renderMarkdown(%q)\n got %q\nwant %q", in, out, want)
			}
		}
	})
}
