-- Message-count quotas for users, and storage and message-count quotas for whole domains
-- (docs/operations.md, "Quotas"); 0: no limit.
ALTER TABLE users ADD COLUMN quota_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN quota_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN quota_messages INTEGER NOT NULL DEFAULT 0;
