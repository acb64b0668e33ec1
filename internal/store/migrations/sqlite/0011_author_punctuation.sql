-- Crawled author strings such as "MiniMax, :, Aili Chen" left ":" as an
-- author of 42 papers; the importer now drops names without a letter or
-- digit, and this cleans what was stored before
-- (running it again changes nothing). The change feed gets a
-- row so that the search index catches up.
INSERT INTO changes (paper_id, kind, changed_at)
SELECT id, 'paper', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM papers
WHERE EXISTS (SELECT 1 FROM json_each(papers.authors) WHERE trim(value) IN (':', ';', ',', '.', '-', '&'));

UPDATE papers SET authors = (
    SELECT json_group_array(value ORDER BY key) FROM json_each(papers.authors)
    WHERE trim(value) NOT IN (':', ';', ',', '.', '-', '&'))
WHERE EXISTS (SELECT 1 FROM json_each(papers.authors) WHERE trim(value) IN (':', ';', ',', '.', '-', '&'));
