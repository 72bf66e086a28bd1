-- Running programs is a permission of its own (issue 15, finding 1): a pipeline `command` step
-- runs as the server's OS user, so a plain `user` token must not get it. Admins have it always;
-- an admin grants it to a user token with `digitlab token create --role user --can-run-commands`.
-- Existing tokens do not have it.
ALTER TABLE api_token ADD COLUMN can_run_commands boolean DEFAULT false NOT NULL;
