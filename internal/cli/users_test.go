package cli

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paperboy-dev/paperboy/internal/store/storetest"
)

func statusWithToken(t *testing.T, rawURL, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUserAndTokenCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.URL(t, d)
			pw := writeFixture(t, "pw", "a long admin password\n")
			code, out, errOut := run(t, "--database-url", db, "user", "create", "root", "--email", "root@example.org", "--password-file", pw, "--admin")
			if code != 0 || !strings.Contains(out, "created admin root") {
				t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
			}
			if code, _, errOut := run(t, "--database-url", db, "user", "create", "ROOT", "--email", "x@example.org", "--password-file", pw); code != 1 || !strings.Contains(errOut, "taken") {
				t.Errorf("duplicate user create: exit %d, %s", code, errOut)
			}
			short := writeFixture(t, "short", "short\n")
			if code, _, errOut := run(t, "--database-url", db, "user", "create", "ada", "--email", "ada@example.org", "--password-file", short); code != 1 || !strings.Contains(errOut, "at least 10") {
				t.Errorf("short password: exit %d, %s", code, errOut)
			}
			if code, _, _ := run(t, "--database-url", db, "user", "create", "ada", "--email", "ada@example.org", "--password-file", pw, "--admin", "--moderator"); code != 2 {
				t.Errorf("--admin with --moderator: exit %d, want 2", code)
			}
			if code, out, errOut := run(t, "--database-url", db, "user", "create", "ada", "--email", "ada@example.org", "--password-file", pw); code != 0 {
				t.Fatalf("user create ada: exit %d\n%s%s", code, out, errOut)
			}
			if code, out, _ := run(t, "--database-url", db, "user", "role", "ada", "moderator"); code != 0 || !strings.Contains(out, "ada is now moderator") {
				t.Errorf("user role: exit %d %s", code, out)
			}
			if code, _, _ := run(t, "--database-url", db, "user", "role", "ada", "emperor"); code != 2 {
				t.Errorf("user role emperor: exit %d, want 2", code)
			}
			if code, _, errOut := run(t, "--database-url", db, "user", "role", "nobody", "user"); code != 1 || !strings.Contains(errOut, "no user") {
				t.Errorf("user role nobody: exit %d %s", code, errOut)
			}
			code, token, errOut := run(t, "--database-url", db, "token", "create", "ada", "--label", "bot")
			token = strings.TrimSuffix(token, "\n")
			if code != 0 || len(token) != 43 || strings.ContainsAny(token, " \n") {
				t.Fatalf("token create: exit %d, stdout %q, stderr %s", code, token, errOut)
			}

			base := serve(t, "serve", "--database-url", db, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0")
			api := base + "/api/daily_papers"
			if s := statusWithToken(t, api, token); s != http.StatusOK {
				t.Errorf("the printed token as Bearer: %d", s)
			}
			if s := statusWithToken(t, api, strings.Repeat("A", 43)); s != http.StatusUnauthorized {
				t.Errorf("an unknown token: %d, want 401", s)
			}
			// The password from the file signs in, by POST /login.
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.PostForm(base+"/login", url.Values{"username": {"root"}, "password": {"a long admin password"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
				t.Errorf("POST /login as root: %d, cookies %v", resp.StatusCode, resp.Cookies())
			}

			if code, out, _ := run(t, "--database-url", db, "token", "list", "ada"); code != 0 || !strings.Contains(out, "bot") {
				t.Errorf("token list: exit %d\n%s", code, out)
			}
			if code, _, _ := run(t, "--database-url", db, "token", "revoke", "ada"); code != 1 {
				t.Errorf("token revoke without ids: exit %d", code)
			}
			if code, out, errOut := run(t, "--database-url", db, "token", "revoke", "ada", "--all"); code != 0 || !strings.Contains(out, "revoked token") {
				t.Fatalf("token revoke --all: exit %d %s %s", code, out, errOut)
			}
			if s := statusWithToken(t, api, token); s != http.StatusUnauthorized {
				t.Errorf("a revoked token: %d, want 401", s)
			}
			if code, _, errOut := run(t, "--database-url", db, "token", "revoke", "root", "1"); code != 1 || !strings.Contains(errOut, "no token") {
				t.Errorf("revoking someone else's token: exit %d %s", code, errOut)
			}
		})
	}
}
