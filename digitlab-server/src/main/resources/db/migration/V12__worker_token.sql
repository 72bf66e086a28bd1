-- The token a worker name belongs to (issue 15, finding 7): a worker token registers one name and
-- may not lease, heartbeat, report or complete as another. Null for workers registered before: the
-- first worker token to use the name again takes it.
ALTER TABLE worker ADD COLUMN token_id bigint;
