-- Command trials (issue 17): an experiment may run a program instead of a built-in model. Its
-- trials are rows of kind 'command' (V14's kind column), claimed only by workers with the
-- capability 'command'; the experiment's spec holds the argv template, code hash and timeout.
-- Same rules as V1: types and syntax both PostgreSQL and H2 (PostgreSQL mode) accept.

-- A command experiment's packed code (.tar.gz), stored once by its SHA-256: the bytes are in
-- <home>/code and, when configured, the shared object store (code/<sha256>.tar.gz); this row says
-- it was uploaded whole, so every server of a cluster accepts an experiment that refers to it.
CREATE TABLE code_archive (
    sha256      varchar(64)  PRIMARY KEY,
    size_bytes  bigint       NOT NULL,
    uploaded_by varchar(100) NOT NULL,
    created_at  timestamp with time zone NOT NULL
);

-- The token a command trial's program gets (MLFLOW_TRACKING_TOKEN): only its hash is kept, and it
-- is good for this attempt only, while the attempt runs (the check joins the trial row), and only
-- for logging to this trial's run.
CREATE TABLE trial_token (
    token_hash varchar(64) PRIMARY KEY,
    trial_id   bigint      NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
    attempt    integer     NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE INDEX trial_token_by_trial ON trial_token (trial_id);
