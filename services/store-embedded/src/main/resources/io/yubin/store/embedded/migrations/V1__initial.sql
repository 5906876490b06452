-- Yubin embedded metadata schema, version 1. Instants are epoch nanoseconds; addresses are keyed
-- by MailAddress.canonical() and also kept as local part + A-label domain to rebuild them exactly.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE domains (
    name TEXT PRIMARY KEY
);

CREATE TABLE users (
    address       TEXT PRIMARY KEY,
    local_part    TEXT NOT NULL,
    domain        TEXT NOT NULL REFERENCES domains(name),
    password_hash TEXT NOT NULL,
    quota_bytes   INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_by_domain ON users(domain, address);

-- source is AliasSource.canonical(): an address, or '@' + domain for a catch-all.
CREATE TABLE aliases (
    source             TEXT NOT NULL,
    source_local_part  TEXT,
    domain             TEXT NOT NULL REFERENCES domains(name),
    target             TEXT NOT NULL,
    target_local_part  TEXT NOT NULL,
    target_domain      TEXT NOT NULL,
    PRIMARY KEY (source, target)
);
CREATE INDEX aliases_by_domain ON aliases(domain, source, target);

CREATE TABLE app_passwords (
    owner       TEXT NOT NULL REFERENCES users(address) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    label       TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
);
CREATE INDEX app_passwords_by_hash ON app_passwords(secret_hash);

CREATE TABLE mailboxes (
    id             TEXT PRIMARY KEY,
    owner          TEXT NOT NULL,
    owner_local    TEXT NOT NULL,
    owner_domain   TEXT NOT NULL,
    path           TEXT NOT NULL,
    uid_validity   INTEGER NOT NULL,
    uid_next       INTEGER NOT NULL,
    highest_modseq INTEGER NOT NULL,
    special_use    TEXT NOT NULL,
    UNIQUE (owner, path)
);

CREATE TABLE messages (
    mailbox_id    TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid           INTEGER NOT NULL,
    modseq        INTEGER NOT NULL,
    flags         TEXT NOT NULL,
    seen          INTEGER NOT NULL,
    deleted       INTEGER NOT NULL,
    internal_date INTEGER NOT NULL,
    blob_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX messages_by_modseq ON messages(mailbox_id, modseq);

-- Expunged UIDs with the MODSEQ of their expunge (RFC 7162 §3.2.5 QRESYNC VANISHED).
CREATE TABLE tombstones (
    mailbox_id TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid        INTEGER NOT NULL,
    modseq     INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;

-- Idempotent delivery (ARCHITECTURE.md §4.2); kept after the message is expunged.
CREATE TABLE delivery_keys (
    key          TEXT PRIMARY KEY,
    mailbox_id   TEXT NOT NULL,
    uid_validity INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    modseq       INTEGER NOT NULL
);

CREATE TABLE subscriptions (
    owner TEXT NOT NULL,
    path  TEXT NOT NULL,
    PRIMARY KEY (owner, path)
) WITHOUT ROWID;

-- One reference per message copy and per spool entry (ARCHITECTURE.md §4.4).
CREATE TABLE blob_refs (
    blob_id TEXT PRIMARY KEY,
    refs    INTEGER NOT NULL CHECK (refs > 0)
);

CREATE TABLE unreferenced_blobs (
    blob_id TEXT PRIMARY KEY,
    since   INTEGER NOT NULL
);

CREATE TABLE spool (
    id             TEXT PRIMARY KEY,
    sender_local   TEXT,
    sender_domain  TEXT,
    body           TEXT NOT NULL,
    smtp_utf8      INTEGER NOT NULL,
    dsn_return     TEXT,
    env_id         TEXT,
    blob_id        TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    helo           TEXT,
    client_address TEXT,
    auth_user      TEXT
);

CREATE TABLE spool_recipients (
    spool_id      TEXT NOT NULL REFERENCES spool(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    address       TEXT NOT NULL,
    local_part    TEXT NOT NULL,
    domain        TEXT NOT NULL,
    notify        TEXT NOT NULL,
    orcpt         TEXT,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    next_attempt  INTEGER,
    last_result   TEXT,
    PRIMARY KEY (spool_id, position)
) WITHOUT ROWID;
CREATE INDEX spool_recipients_open ON spool_recipients(status, spool_id);
