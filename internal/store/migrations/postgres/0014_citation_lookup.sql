-- Lookup keys for importing reference-manager libraries: a paper is
-- found by its DOI or its title in the forms store.DOIKey and
-- store.TitleKey give. Go computes them (LaTeX rendering and Unicode
-- folding are not SQL), so rows stored before this migration have NULL
-- keys until Migrate fills them; every write sets them afterwards.
ALTER TABLE papers ADD COLUMN doi_key TEXT;
ALTER TABLE papers ADD COLUMN title_key TEXT;
CREATE INDEX papers_doi_key ON papers (doi_key) WHERE doi_key <> '';
CREATE INDEX papers_title_key ON papers (title_key) WHERE title_key <> '';
