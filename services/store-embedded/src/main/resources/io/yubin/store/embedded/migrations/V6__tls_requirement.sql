-- The sender's TLS request (RFC 8689: REQUIRETLS, or TLS-Required: No) travels with the entry to the
-- next hop. NULL for every row written before: the relaying server's own policy.
ALTER TABLE spool ADD COLUMN tls_requirement TEXT;
