-- The rest of a Hugging Face daily-papers item (discussion id, author
-- objects, the submitter's account, organisation, thumbnail, media, ...),
-- as JSON: the API answers in Hugging Face's shapes and nothing queries it.
ALTER TABLE papers ADD COLUMN hf_details TEXT NOT NULL DEFAULT '{}';
