package io.yubin.imap;

/**
 * What the sessions of one server share: mailbox snapshots for SELECT and decoded header fields for
 * SEARCH. Both hold only what immutable state determines (a mailbox at one HIGHESTMODSEQ, a body).
 */
record ImapCaches(UidSnapshots snapshots, HeaderFieldsCache headers) {

    /** The default bound of the header cache: some 100,000 typical messages. */
    static final long DEFAULT_HEADER_BYTES = 64L * 1024 * 1024;

    static ImapCaches create() {
        return new ImapCaches(new UidSnapshots(), new HeaderFieldsCache(DEFAULT_HEADER_BYTES));
    }
}
