-- RFC 3501 §2.3.2 \Recent: the highest UID some session has already seen as recent.
ALTER TABLE mailboxes ADD COLUMN recent_upto INTEGER NOT NULL DEFAULT 0;
