package io.yubin.bench.imap;

/** A protocol error seen on the wire, of one kind, with what exactly was wrong. */
record Violation(Kind kind, String detail) {

    /** The rules this harness checks, each named as it is reported. */
    enum Kind {
        /** RFC 9051 §7.3.5, RFC 3501 §7.2.6: a keyword in FETCH FLAGS not in the last FLAGS response. */
        KEYWORD_NOT_ANNOUNCED("keyword-not-announced"),
        /** RFC 9051 §7.4.1: the message count only goes down by EXPUNGE. */
        EXISTS_DECREASED("exists-decreased"),
        /** RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH by message number. */
        EXPUNGE_DURING_FETCH_STORE_SEARCH("expunge-during-fetch-store-search"),
        /** A message number beyond what the client has been told exists (or 0). */
        NUMBER_OUT_OF_RANGE("msn-out-of-range"),
        /** A FETCH by number answered OK without the items asked for. */
        FETCH_DATA_MISSING("fetch-data-missing"),
        /** RFC 9051 §6.4.9: a FETCH response caused by UID FETCH without the UID. */
        UID_MISSING("uid-missing"),
        /** RFC 3501 §6.3.1: SELECT without FLAGS, EXISTS, RECENT, UIDVALIDITY, UIDNEXT or PERMANENTFLAGS. */
        SELECT_INCOMPLETE("select-incomplete"),
        /** RFC 9051 §6.4.4: SEARCH answered OK without a SEARCH response. */
        SEARCH_MISSING("search-missing"),
        /** RFC 9051 §6.1.3: LOGOUT answered without BYE first. */
        BYE_MISSING("logout-without-bye"),
        TAGGED_NO("tagged-no"),
        TAGGED_BAD("tagged-bad"),
        UNTAGGED_BAD("untagged-bad"),
        UNEXPECTED_BYE("unexpected-bye"),
        UNPARSEABLE("unparseable"),
        /** The connection failed, closed or timed out in the middle of a command. */
        CONNECTION("connection-failed");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }
}
