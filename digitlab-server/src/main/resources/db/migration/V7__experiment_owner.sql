-- Owners (issue 8: "users manage their experiments"). The owner is the name of the token that
-- created the row ('local' when authentication was off and no token was sent, 'system' for what
-- the server makes by itself, e.g. retraining). It never changes after insert, so a check of the
-- owner before an action cannot be outdated by the time the action runs.
--
-- Rows made before this migration get 'local': nobody can say who made them, so with
-- authentication on only admins may change them.
ALTER TABLE experiment ADD COLUMN owner varchar(100) NOT NULL DEFAULT 'local';

-- the web list and GET /api/v1/experiments?owner=alice filter by owner and sort by it
CREATE INDEX experiment_owner ON experiment (owner, id);

-- Who started a pipeline run: its train steps' experiments belong to them.
ALTER TABLE pipeline_run ADD COLUMN owner varchar(100) NOT NULL DEFAULT 'local';

-- Who took each registry decision. The registry itself is not owned (any user registers, promotes,
-- rolls back and archives: see Ownership and digitlab-server/README.md), so the audit log says who
-- did what instead. Null for entries older than this migration.
ALTER TABLE model_audit ADD COLUMN actor varchar(100);
