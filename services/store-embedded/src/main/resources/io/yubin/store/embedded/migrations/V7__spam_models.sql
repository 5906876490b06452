-- The spam filter's models, one per owner (a user's address, or "@global"), as the filter's bytes with a
-- version for compare-and-set; and what each owner trained each message as (docs/filtering.md).
CREATE TABLE spam_models (
    owner TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    model BLOB NOT NULL
);
CREATE TABLE spam_trained (
    owner TEXT NOT NULL,
    message TEXT NOT NULL,
    verdict TEXT NOT NULL,
    PRIMARY KEY (owner, message)
);
