-- Crawled author strings such as "MiniMax, :, Aili Chen" left ":" as an
-- author of 42 papers; the importer now drops names without a letter or
-- digit, and this cleans what was stored before
-- (running it again changes nothing). The change feed gets a
-- row so that the search index catches up.
SELECT pg_advisory_xact_lock(7290041188);

INSERT INTO changes (paper_id, kind, changed_at)
SELECT id, 'paper', now() FROM papers
WHERE EXISTS (SELECT 1 FROM json_array_elements_text(papers.authors::json) AS a(v)
              WHERE btrim(a.v) IN (':', ';', ',', '.', '-', '&'));

UPDATE papers SET authors = (
    SELECT COALESCE(json_agg(a.v ORDER BY a.n), '[]'::json)::text
    FROM json_array_elements_text(papers.authors::json) WITH ORDINALITY AS a(v, n)
    WHERE btrim(a.v) NOT IN (':', ';', ',', '.', '-', '&'))
WHERE EXISTS (SELECT 1 FROM json_array_elements_text(papers.authors::json) AS a(v)
              WHERE btrim(a.v) IN (':', ';', ',', '.', '-', '&'));
