package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paperboy-dev/paperboy/internal/auth"
	"github.com/paperboy-dev/paperboy/internal/mail"
	"github.com/paperboy-dev/paperboy/internal/store"
)

// userCmd manages accounts from the command line.
type userCmd struct {
	Create userCreateCmd `cmd:"" help:"Create an account; its email address counts as confirmed."`
	Role   userRoleCmd   `cmd:"" help:"Change an account's role."`
}

// tokenCmd manages personal API tokens.
type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create an API token for a user and print it (only it) on stdout."`
	List   tokenListCmd   `cmd:"" help:"List a user's API tokens."`
	Revoke tokenRevokeCmd `cmd:"" help:"Revoke API tokens of a user, by id or all of them."`
}

type userCreateCmd struct {
	Name         string `arg:"" help:"Username: 3 to 30 letters, digits, '_' or '-'."`
	Email        string `required:"" placeholder:"EMAIL" help:"Email address."`
	PasswordFile string `name:"password-file" required:"" placeholder:"FILE" help:"File holding the password (one line; a trailing newline is ignored). Keeps it out of the shell history and the process list."`
	Admin        bool   `xor:"role" help:"Make the user an administrator."`
	Moderator    bool   `xor:"role" help:"Make the user a moderator."`
}

func (c *userCreateCmd) Run(e *env) error {
	if err := auth.CheckUsername(c.Name); err != nil {
		return fmt.Errorf("user create %s: %w", c.Name, err)
	}
	email, err := mail.CheckAddress(c.Email)
	if err != nil {
		return fmt.Errorf("user create %s: --email %w", c.Name, err)
	}
	c.Email = email
	raw, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return fmt.Errorf("user create %s: read --password-file: %w", c.Name, err)
	}
	password := strings.TrimRight(string(raw), "\r\n")
	if err := auth.CheckPassword(c.Name, password); err != nil {
		return fmt.Errorf("user create %s: %w", c.Name, err)
	}
	role := "user"
	switch {
	case c.Admin:
		role = "admin"
	case c.Moderator:
		role = "moderator"
	}
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(e.ctx, password)
	if err != nil {
		return err
	}
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(e.ctx, store.User{
		Username: c.Name, Email: c.Email, PasswordHash: hash, Role: role,
		// Whoever runs the command vouches for the address.
		EmailVerifiedAt: time.Now(),
	})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("user create %s: the username or the email address is taken", c.Name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s %s (id %d)\n", u.Role, u.Username, u.ID)
	return nil
}

type userRoleCmd struct {
	Name string `arg:"" help:"Username."`
	Role string `arg:"" enum:"user,moderator,admin" help:"New role: user, moderator or admin."`
}

func (c *userRoleCmd) Run(e *env) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.SetUserRole(e.ctx, c.Name, c.Role); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user role: no user %q", c.Name)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is now %s\n", c.Name, c.Role)
	return nil
}

type tokenCreateCmd struct {
	Name  string `arg:"" help:"Username."`
	Label string `default:"command line" help:"What the token is for, shown in the user's settings."`
}

// Run prints the token alone, so that scripts can capture it:
// TOKEN=$(paperboy token create ada).
func (c *tokenCreateCmd) Run(e *env) error {
	return withUser(e, c.Name, func(s *store.Store, u store.User) error {
		secret, hash := auth.NewToken()
		t, err := s.CreateAPIToken(e.ctx, u.ID, c.Label, hash)
		if err != nil {
			return err
		}
		e.log.Info("created API token", "user", u.Username, "id", t.ID, "label", t.Name)
		fmt.Fprintln(e.stdout, secret)
		return nil
	})
}

type tokenListCmd struct {
	Name string `arg:"" help:"Username."`
}

func (c *tokenListCmd) Run(e *env) error {
	return withUser(e, c.Name, func(s *store.Store, u store.User) error {
		ts, err := s.APITokens(e.ctx, u.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tLABEL\tCREATED\tLAST USED\tREVOKED")
		day := func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.UTC().Format(time.DateTime)
		}
		for _, t := range ts {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, day(t.CreatedAt), day(t.LastUsedAt), day(t.RevokedAt))
		}
		return w.Flush()
	})
}

type tokenRevokeCmd struct {
	Name string  `arg:"" help:"Username."`
	IDs  []int64 `arg:"" optional:"" name:"id" help:"Ids of the tokens to revoke (see 'token list')."`
	All  bool    `help:"Revoke all of the user's tokens."`
}

func (c *tokenRevokeCmd) Run(e *env) error {
	if len(c.IDs) == 0 && !c.All {
		return fmt.Errorf("token revoke %s: name token ids or --all", c.Name)
	}
	return withUser(e, c.Name, func(s *store.Store, u store.User) error {
		ids := c.IDs
		if c.All {
			ts, err := s.APITokens(e.ctx, u.ID)
			if err != nil {
				return err
			}
			ids = ids[:0]
			for _, t := range ts {
				if t.RevokedAt.IsZero() {
					ids = append(ids, t.ID)
				}
			}
		}
		for _, id := range ids {
			if err := s.RevokeAPIToken(e.ctx, u.ID, id); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("token revoke: %s has no token %d", u.Username, id)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked token %d of %s\n", id, u.Username)
		}
		return nil
	})
}

// withUser opens the store, finds the named user and runs fn with both;
// the store is closed when fn returns.
func withUser(e *env, name string, fn func(s *store.Store, u store.User) error) error {
	s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByName(e.ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %q", name)
	}
	if err != nil {
		return err
	}
	return fn(s, u)
}
