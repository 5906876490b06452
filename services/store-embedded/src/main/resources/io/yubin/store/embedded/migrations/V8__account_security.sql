-- Failed logins and account locks, per account (a user's canonical address), read by every protocol
-- (docs/operations.md, "Account lockout"); instants in epoch nanoseconds. Rows older than the
-- lockout window are deleted as failures are recorded.
CREATE TABLE login_failures (
    account TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_account ON login_failures (account, at);
CREATE INDEX login_failures_by_time ON login_failures (at);
CREATE TABLE account_locks (
    account TEXT PRIMARY KEY,
    until INTEGER NOT NULL,
    locked_at INTEGER NOT NULL,
    client TEXT NOT NULL
);
-- A user's TOTP enrolment (docs/operations.md, "Two-factor authentication"): the base32 secret, kept
-- because verifying a code needs it, and when it was enrolled. NULL: none.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enrolled_at INTEGER;
