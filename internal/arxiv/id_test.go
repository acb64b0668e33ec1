package arxiv

import (
	"errors"
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in      string
		base    string
		version int
	}{
		{"2401.12345", "2401.12345", 0},
		{"2401.12345v3", "2401.12345", 3},
		{" 2401.12345v12 ", "2401.12345", 12},
		{"0704.0001", "0704.0001", 0},
		{"1412.9999v2", "1412.9999", 2},
		{"arXiv:2505.24864", "2505.24864", 0},
		{"arxiv:2505.24864v1", "2505.24864", 1},
		{"hep-th/9901001", "hep-th/9901001", 0},
		{"hep-th/9901001v2", "hep-th/9901001", 2},
		{"math.AG/0601001v2", "math/0601001", 2},
		{"cond-mat/0102536", "cond-mat/0102536", 0},
		{"https://arxiv.org/abs/2505.24864v2", "2505.24864", 2},
		{"http://arxiv.org/pdf/2505.24864v2.pdf", "2505.24864", 2},
		{"arxiv.org/pdf/2505.24864", "2505.24864", 0},
		{"https://www.arxiv.org/abs/math.AG/0601001", "math/0601001", 0},
		{"https://export.arxiv.org/abs/2505.24864?context=cs", "2505.24864", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, err := ParseID(tt.in)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", tt.in, err)
			}
			if id.Base != tt.base || id.Version != tt.version {
				t.Fatalf("ParseID(%q) = %q v%d, want %q v%d", tt.in, id.Base, id.Version, tt.base, tt.version)
			}
		})
	}
}

func TestParseIDRejectsGarbage(t *testing.T) {
	for _, in := range []string{
		"", "   ", "hello", "2401.1234", "2401.123456", "1412.12345", "0703.0001",
		"2413.12345", "2400.12345", "2401.12345v", "2401.12345v0", "2401.12345v01",
		"2401.12345vx", "foo/9901001", "hep-th/990100", "hep-th/9913001",
		"math.ag/0601001", "24011.2345", "2401-12345", "2401.12345 v2",
		"https://example.org/abs/2401.12345", "../../etc/passwd", "2401.12345\x00",
	} {
		t.Run(in, func(t *testing.T) {
			id, err := ParseID(in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %+v, want an error", in, id)
			}
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("ParseID(%q) error %v does not wrap ErrInvalidID", in, err)
			}
		})
	}
}

func TestIDString(t *testing.T) {
	if got := (ID{Base: "2401.12345", Version: 3}).String(); got != "2401.12345v3" {
		t.Errorf("got %q", got)
	}
	if got := (ID{Base: "hep-th/9901001"}).String(); got != "hep-th/9901001" {
		t.Errorf("got %q", got)
	}
}

func TestParseVersionDate(t *testing.T) {
	got, err := ParseVersionDate("Mon, 2 Apr 2007 19:18:42 GMT")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2007, 4, 2, 19, 18, 42, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ParseVersionDate("2 April 2007"); err == nil {
		t.Error("accepted a malformed date")
	}
}

func TestAnnouncementDate(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name      string
		submitted time.Time
		want      string
	}{
		{"monday morning", time.Date(2025, 6, 2, 10, 0, 0, 0, ny), "2025-06-03"},
		{"monday after cut-off", time.Date(2025, 6, 2, 15, 0, 0, 0, ny), "2025-06-04"},
		{"thursday morning", time.Date(2025, 6, 5, 9, 0, 0, 0, ny), "2025-06-06"},
		{"friday morning", time.Date(2025, 6, 6, 9, 0, 0, 0, ny), "2025-06-09"},
		{"friday afternoon", time.Date(2025, 6, 6, 16, 0, 0, 0, ny), "2025-06-10"},
		{"saturday", time.Date(2025, 6, 7, 12, 0, 0, 0, ny), "2025-06-10"},
		{"sunday", time.Date(2025, 6, 8, 12, 0, 0, 0, ny), "2025-06-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AnnouncementDate(tt.submitted).Format(time.DateOnly); got != tt.want {
				t.Errorf("AnnouncementDate(%v) = %s, want %s", tt.submitted, got, tt.want)
			}
		})
	}
}

func TestValidCategory(t *testing.T) {
	for _, c := range []string{"cs.CL", "hep-th", "physics.comp-ph", "cond-mat.mes-hall", "q-bio.NC", "math"} {
		if !ValidCategory(c) {
			t.Errorf("ValidCategory(%q) = false", c)
		}
	}
	for _, c := range []string{"", "CS.CL", "cs.", "cs CL", "<script>"} {
		if ValidCategory(c) {
			t.Errorf("ValidCategory(%q) = true", c)
		}
	}
}
