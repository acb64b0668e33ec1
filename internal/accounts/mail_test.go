package accounts

import (
	"strings"
	"testing"
)

// TestAccountMailsAreComposedFromTemplates: every account mail renders
// with its subject, its link and no template residue.
func TestAccountMailsAreComposedFromTemplates(t *testing.T) {
	data := mailData{Username: "ada", Link: "https://papers.example.org/reset/SECRET", BaseURL: "https://papers.example.org"}
	for name, subject := range map[string]string{
		"verify": "Confirm your paperboy account",
		"exists": "Your paperboy account",
		"signin": "Sign in to paperboy",
		"reset":  "Reset your paperboy password",
	} {
		msg, err := compose(name, "ada@example.org", data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if msg.Subject != subject || msg.To != "ada@example.org" {
			t.Errorf("%s: subject %q to %q, want %q", name, msg.Subject, msg.To, subject)
		}
		want := data.Link
		if name == "exists" {
			want = data.BaseURL + "/reset"
		}
		if !strings.Contains(msg.Text, want) || strings.Contains(msg.Text, "{{") || strings.HasPrefix(msg.Text, "\n") {
			t.Errorf("%s: text lacks %q or holds template residue:\n%s", name, want, msg.Text)
		}
	}
}
