-- Issue 21: every export archive imported here, by the SHA-256 of its manifest's entries (every
-- entry's path and SHA-256: it names the contents, whatever the export time or gzip). The key is
-- what makes importing idempotent under concurrency: of two imports of the same file at the same
-- moment, the second insert waits for the first transaction and then fails, and its caller gets a
-- 409 naming the first copy. Deleting the imported experiment or pipeline run forgets the digest,
-- so the file can be imported again.
CREATE TABLE imported_archive (
    digest          varchar(64)  PRIMARY KEY,
    kind            varchar(20)  NOT NULL CHECK (kind IN ('experiment', 'pipeline')),
    experiment_id   bigint REFERENCES experiment (id) ON DELETE CASCADE,
    pipeline_run_id bigint REFERENCES pipeline_run (id) ON DELETE CASCADE,
    imported_at     timestamp with time zone NOT NULL
);

-- Files imported before this table (format v1, one gzip JSON document) kept their digest as a tag.
INSERT INTO imported_archive (digest, kind, experiment_id, imported_at)
SELECT tag_value, 'experiment', MIN(experiment_id), CURRENT_TIMESTAMP
  FROM experiment_tag
 WHERE tag_key = 'digitlab.import.sha256'
 GROUP BY tag_value;
