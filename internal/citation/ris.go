package citation

import (
	"io"
	"strings"
)

// ParseRIS reads an RIS file: records from "TY  - " to "ER  - ", one tag
// a line ("AU  - Lovelace, Ada"); a line without a tag continues the
// field before it (Mendeley wraps abstracts so). Tags may repeat (AU, UR).
func ParseRIS(r io.Reader) ([]Entry, error) {
	src, err := readAll(r)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	var rec *risRecord
	lines := strings.Split(src, "\n")
	for n, line := range lines {
		lineNo := n + 1
		line = strings.TrimRight(line, "\r")
		tag, value, ok := risTag(line)
		if !ok {
			switch {
			case strings.TrimSpace(line) == "":
			case rec != nil && rec.last != "":
				rec.add(rec.last, value+line, true)
			default:
				return nil, syntaxError(lineNo, "expected a tag such as \"TY  - \", found %q", clip(line))
			}
			continue
		}
		switch {
		case tag == "TY":
			if rec != nil {
				return nil, syntaxError(lineNo, "TY starts a record before the record from line %d has its ER", rec.line)
			}
			if len(entries) >= MaxEntries {
				return nil, tooLarge("more than %d entries: split the file", MaxEntries)
			}
			rec = &risRecord{line: lineNo, fields: map[string][]string{}}
			rec.add("TY", value, false)
		case rec == nil:
			return nil, syntaxError(lineNo, "tag %s outside a record (records start with TY)", tag)
		case tag == "ER":
			entries = append(entries, rec.entry())
			rec = nil
		default:
			if len(value) > MaxFieldBytes {
				return nil, syntaxError(lineNo, "field %s is longer than %d bytes", tag, MaxFieldBytes)
			}
			rec.add(tag, value, false)
		}
		if rec != nil && rec.size > MaxFieldBytes*8 {
			return nil, syntaxError(rec.line, "the record is longer than %d bytes", MaxFieldBytes*8)
		}
	}
	if rec != nil {
		return nil, syntaxError(rec.line, "the record has no ER line")
	}
	return entries, nil
}

type risRecord struct {
	line   int
	fields map[string][]string
	last   string
	size   int
}

func (r *risRecord) add(tag, value string, continued bool) {
	r.size += len(value)
	r.last = tag
	vs := r.fields[tag]
	if continued && len(vs) > 0 {
		vs[len(vs)-1] += " " + strings.TrimSpace(value)
		return
	}
	r.fields[tag] = append(vs, strings.TrimSpace(value))
}

func (r *risRecord) first(tags ...string) string {
	for _, t := range tags {
		if vs := r.fields[t]; len(vs) > 0 && vs[0] != "" {
			return vs[0]
		}
	}
	return ""
}

func (r *risRecord) entry() Entry {
	e := Entry{Line: r.line, Key: r.first("ID"), Type: r.first("TY")}
	e.Title = strings.Join(strings.Fields(r.first("TI", "T1", "CT", "BT")), " ")
	for _, t := range []string{"AU", "A1"} {
		for _, a := range r.fields[t] {
			if a = strings.TrimSpace(firstLast(a)); a != "" {
				e.Authors = append(e.Authors, a)
			}
		}
	}
	e.Year = yearOf(r.first("PY", "Y1", "DA"))
	e.Journal = r.first("JO", "JF", "T2", "JA")
	e.DOI = doiOf(r.first("DO"))
	for _, t := range []string{"UR", "L1", "L2", "LK"} {
		for _, u := range r.fields[t] {
			for _, u := range strings.Fields(u) {
				e.URLs = append(e.URLs, u)
				if e.ArxivID == "" {
					e.ArxivID = arxivIDOf(u)
				}
				if e.DOI == "" {
					e.DOI = doiOf(u)
				}
			}
		}
	}
	if e.ArxivID == "" {
		e.ArxivID = arxivIDOf(e.DOI)
	}
	for _, t := range []string{"AN", "M1", "M3", "N1", "JO", "T2", "ST", "PB"} {
		for _, v := range r.fields[t] {
			if e.ArxivID == "" {
				if e.ArxivID = arxivIDInText(v); e.ArxivID == "" && t == "AN" {
					e.ArxivID = arxivIDOf(v)
				}
			}
		}
	}
	return e
}

// risTag splits "AU  - Lovelace, Ada" into its tag and value. The
// standard's two spaces are not always there ("ER  -" with no space
// after it, "AU - x" from hand-edited files).
func risTag(line string) (tag, value string, ok bool) {
	if len(line) < 4 || !isUpper(line[0]) || !(isUpper(line[1]) || line[1] >= '0' && line[1] <= '9') {
		return "", line, false
	}
	rest := strings.TrimLeft(line[2:], " ")
	if !strings.HasPrefix(rest, "-") || len(rest) == len(line[2:]) {
		return "", line, false
	}
	rest = rest[1:]
	if rest != "" && rest[0] != ' ' {
		return "", line, false
	}
	return line[:2], strings.TrimSpace(rest), true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// clip shortens a line quoted in an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
