-- Early stopping (issue 18). A pruner asks a running trial to stop by setting cancel_requested
-- (the worker already obeys it) and prune_requested; the attempt's end then records the trial as
-- 'pruned' instead of 'cancelled': stopped on purpose, its curves and checkpoints kept, and counted
-- by the search as finished with its last reported value. trial.status is not constrained, so the
-- new status needs no change to the column.
ALTER TABLE trial ADD COLUMN prune_requested boolean NOT NULL DEFAULT FALSE;
