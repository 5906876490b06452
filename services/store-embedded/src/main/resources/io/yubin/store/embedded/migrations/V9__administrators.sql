-- Named administrators of the admin API and their sessions (docs/operations.md, "Administrators and
-- the audit log"); instants in epoch nanoseconds. domains: the ASCII domain names of a DOMAIN
-- administrator, comma-separated, empty for GLOBAL. A session is kept by the SHA-256 of its token;
-- expired ones are deleted as sessions are added.
CREATE TABLE administrators (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    domains TEXT NOT NULL,
    totp_secret TEXT,
    totp_enrolled_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX admin_sessions_by_name ON admin_sessions (name);
CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at);
