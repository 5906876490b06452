-- Small message bodies kept in the database (EmbeddedStorage.Options.maxInlineBody): written in the
-- same group commit as the spool entry's batch instead of costing a file fsync and a directory fsync.
-- Their ids start with a lower-case 'i', which file blob ids never do.
CREATE TABLE inline_blobs (
    blob_id TEXT PRIMARY KEY,
    data    BLOB NOT NULL
);
