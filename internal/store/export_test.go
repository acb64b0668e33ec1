package store

import "context"

// ForgetLookupKeys makes every paper look as if stored before migration
// 0014, for the test of Migrate's backfill.
func (s *Store) ForgetLookupKeys(ctx context.Context) error {
	_, err := s.write.ExecContext(ctx, "UPDATE papers SET doi_key = NULL, title_key = NULL")
	return err
}
