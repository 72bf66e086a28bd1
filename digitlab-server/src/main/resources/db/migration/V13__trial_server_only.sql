-- A trial whose data only the server has (a retraining's feedback images): only a worker inside
-- the server (the embedded worker) claims it; remote workers never see it.
ALTER TABLE trial ADD COLUMN server_only boolean DEFAULT FALSE NOT NULL;
