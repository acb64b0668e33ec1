-- Daily lists: a paper is on the list of the day it was submitted to
-- Hugging Face's daily papers, or failing that the day arXiv listed it. The
-- list queries filter and order by exactly this expression.
CREATE INDEX papers_day ON papers ((COALESCE(daily_on, listed_on)), base_upvotes DESC);
