-- Datasets users register (issue 21): four IDX files of MNIST's format, each stored once by its
-- SHA-256 in <home>/datasets-registered/<file sha256> and, when configured, the shared object store
-- (datasets/<file sha256>). A row is written only once every file is checked and stored, so a
-- refused upload leaves none. Experiments name a dataset by `name` (experiment.dataset) and keep
-- its digest in their spec (datasetSha256); a dataset an experiment names is not deleted.
-- Same rules as V1: types and syntax both PostgreSQL and H2 (PostgreSQL mode) accept.
CREATE TABLE registered_dataset (
    name               varchar(64)  PRIMARY KEY,
    sha256             varchar(64)  NOT NULL,
    train_images_sha256 varchar(64) NOT NULL,
    train_labels_sha256 varchar(64) NOT NULL,
    test_images_sha256 varchar(64)  NOT NULL,
    test_labels_sha256 varchar(64)  NOT NULL,
    classes            integer      NOT NULL,
    train_count        integer      NOT NULL,
    test_count         integer      NOT NULL,
    size_bytes         bigint       NOT NULL,
    created_by         varchar(100) NOT NULL,
    created_at         timestamp with time zone NOT NULL
);

CREATE INDEX registered_dataset_by_sha256 ON registered_dataset (sha256);
