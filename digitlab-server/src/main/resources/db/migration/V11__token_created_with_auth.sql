-- Whether a token was made while authentication was on (issue 15, finding 3). With it off anyone
-- could mint an admin token that stayed admin once the server restarted with --auth. The API now
-- refuses to mint tokens with authentication off, and the first start with it on revokes any token
-- made without it. Tokens older than this column are kept as they were (true): nothing tells which
-- of them were minted without authentication; 'digitlab token ls' lists them to check.
ALTER TABLE api_token ADD COLUMN created_with_auth boolean DEFAULT true NOT NULL;
