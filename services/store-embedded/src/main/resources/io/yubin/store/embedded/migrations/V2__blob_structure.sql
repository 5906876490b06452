-- Data derived from a body (the IMAP MIME structure), computed once per blob and shared by its copies.
-- Removed together with the blob's row in unreferenced_blobs when the blob is collected.
CREATE TABLE blob_structure (
    blob_id TEXT PRIMARY KEY,
    data    BLOB NOT NULL
);
