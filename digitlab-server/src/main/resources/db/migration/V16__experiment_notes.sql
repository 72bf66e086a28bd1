-- Notes a user keeps about an experiment after it was made (what was learnt, what to try next),
-- edited with its description and tags (PATCH /api/v1/experiments/{id}, the experiment page).
ALTER TABLE experiment ADD COLUMN notes text;
