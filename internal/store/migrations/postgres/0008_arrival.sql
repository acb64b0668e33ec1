-- Where each paper first came from ("arXiv OAI-PMH, set cs", "arXiv
-- listing feed", "bulk import", ...), for the freshness line on its page.
-- created_at already says when. Papers stored before this are unknown ('').
ALTER TABLE papers ADD COLUMN arrived_via TEXT NOT NULL DEFAULT '';
