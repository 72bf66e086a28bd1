-- Remote workers, and what a trial needs to survive a crash: where its last uploaded checkpoint is
-- (so a new attempt resumes there and the dead attempt's later events are superseded), and when a
-- retried trial may run again.

CREATE TABLE worker (
    name              varchar(200)     PRIMARY KEY,
    host              varchar(255)     NOT NULL,
    slots             integer          NOT NULL CHECK (slots > 0),
    -- comma-joined, e.g. 'cpu' or 'cpu,gpu'
    capabilities      varchar(100)     NOT NULL,
    registered_at     timestamp with time zone NOT NULL,
    -- any request of the worker's (poll, heartbeat, events) counts: a worker silent for longer
    -- than a lease is shown as lost (the state is derived on read: a dead worker cannot say so)
    last_heartbeat_at timestamp with time zone NOT NULL,
    images_per_second double precision NOT NULL DEFAULT 0
);

-- The checkpoint a next attempt resumes from: the attempt that uploaded it, the seq of the
-- artifact event that describes it, and the epochs it holds. NULL = start from scratch.
ALTER TABLE trial ADD COLUMN checkpoint_attempt integer;
ALTER TABLE trial ADD COLUMN checkpoint_seq bigint;
ALTER TABLE trial ADD COLUMN checkpoint_epoch integer;
-- A trial retried after a retryable failure waits until then (backoff); NULL = now.
ALTER TABLE trial ADD COLUMN not_before timestamp with time zone;

-- Events of a dead attempt after the checkpoint its successor resumed from: kept (append-only),
-- but no reader shows them, so curves have each epoch once.
ALTER TABLE trial_event ADD COLUMN superseded boolean NOT NULL DEFAULT FALSE;
