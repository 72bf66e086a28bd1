-- Which worker ran a trial's latest attempt. lease_owner says who holds the lease right now and is
-- cleared when the attempt ends; worker_name is set by the same claim and kept afterwards, so the
-- experiment page's timeline can group finished trials by worker.
ALTER TABLE trial ADD COLUMN worker_name varchar(200);

-- Trials running at upgrade time: their lease owner is the worker running them.
UPDATE trial SET worker_name = lease_owner WHERE lease_owner IS NOT NULL;
