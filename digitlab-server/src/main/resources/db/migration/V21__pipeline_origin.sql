-- Where an imported pipeline run lived before, oldest first (position 0: the server it was made
-- on), as its archive's origin.json said: V20's experiment_origin, for runs. Its exports repeat
-- them before this server's own, so a run brought back to a server it lived on, where it still
-- exists, is that run (a 409 naming it), not a copy.
-- Same rules as V1: types and syntax both PostgreSQL and H2 (PostgreSQL mode) accept.
CREATE TABLE pipeline_origin (
    pipeline_run_id        bigint       NOT NULL REFERENCES pipeline_run (id) ON DELETE CASCADE,
    position               integer      NOT NULL,
    server_id              varchar(36)  NOT NULL,
    source_pipeline_run_id bigint       NOT NULL,
    PRIMARY KEY (pipeline_run_id, position)
);
