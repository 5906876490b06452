-- Delay warnings (RFC 3464 Action: delayed, docs/outbound.md): sent at most once per recipient, so the
-- spool remembers which recipients' delays were reported. 0 for every row written before.
ALTER TABLE spool_recipients ADD COLUMN delay_reported INTEGER NOT NULL DEFAULT 0;
