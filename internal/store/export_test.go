package store

import "context"

// ForgetLookupKeys makes every paper look as if stored before migration
// 0014, for the test of Migrate's backfill. With keepMarker false it also
// forgets that a pass found every key filled, as a database from before
// 0014 has not recorded it.
func (s *Store) ForgetLookupKeys(ctx context.Context, keepMarker bool) error {
	if _, err := s.write.ExecContext(ctx, "UPDATE papers SET doi_key = NULL, title_key = NULL"); err != nil {
		return err
	}
	if keepMarker {
		return nil
	}
	_, err := s.write.ExecContext(ctx, s.q("DELETE FROM settings WHERE name = ?"), lookupKeysFilled)
	return err
}
