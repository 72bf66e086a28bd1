-- Exports and imports, loose ends: what the server itself verified, and who it is.
-- Same rules as V1: types and syntax both PostgreSQL and H2 (PostgreSQL mode) accept.

-- The server's identity: one row, its id made once by the server (a random UUID) on first use.
-- Every experiment export names it with the experiment's id, so that an export brought back to
-- the server where the experiment still lives is recognised (a 409 naming it) instead of copied.
CREATE TABLE server_identity (
    singleton   integer      PRIMARY KEY CHECK (singleton = 1),
    server_id   varchar(36)  NOT NULL,
    created_at  timestamp with time zone NOT NULL
);

-- Where an imported experiment lived before, oldest first (position 0: the server it was made
-- on), as the archive's origin.json said; its exports repeat them before this server's own.
CREATE TABLE experiment_origin (
    experiment_id        bigint       NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
    position             integer      NOT NULL,
    server_id            varchar(36)  NOT NULL,
    source_experiment_id bigint       NOT NULL,
    PRIMARY KEY (experiment_id, position)
);

-- The archives an imported experiment says it came from (experiment.json's importedFrom), and the
-- digest of a file stored with ?copy=true: carried into its exports, never a key of
-- imported_archive. Only a digest this server computed itself is a key there, so a crafted claim
-- can make its own file a duplicate of something verified here, but can never block another file.
CREATE TABLE imported_claim (
    experiment_id bigint      NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
    digest        varchar(64) NOT NULL,
    PRIMARY KEY (experiment_id, digest)
);

-- V19 made every importedFrom entry a key of imported_archive. Keys that are not the digest the
-- server computed for that experiment's own file (its tag digitlab.import.sha256) were claims:
-- they become claims, and stop blocking the archives they name.
INSERT INTO imported_claim (experiment_id, digest)
SELECT a.experiment_id, a.digest
  FROM imported_archive a
 WHERE a.kind = 'experiment'
   AND a.experiment_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM experiment_tag t
                    WHERE t.experiment_id = a.experiment_id
                      AND t.tag_key = 'digitlab.import.sha256'
                      AND t.tag_value = a.digest);

DELETE FROM imported_archive
 WHERE kind = 'experiment'
   AND experiment_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM experiment_tag t
                    WHERE t.experiment_id = imported_archive.experiment_id
                      AND t.tag_key = 'digitlab.import.sha256'
                      AND t.tag_value = imported_archive.digest);
