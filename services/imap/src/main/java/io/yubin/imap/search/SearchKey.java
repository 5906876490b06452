package io.yubin.imap.search;

import io.yubin.imap.SequenceSet;
import java.time.LocalDate;
import java.util.List;

/**
 * A parsed SEARCH program (RFC 9051 §6.4.4, RFC 3501 §6.4.4 for RECENT/NEW/OLD, RFC 7162 §3.1.5
 * MODSEQ). The parser in the protocol layer maps every key to one of these; the evaluator never
 * sees the client's spelling.
 */
public sealed interface SearchKey {

    /** ALL. */
    record All() implements SearchKey {
    }

    /** A parenthesized list or a sequence of keys: every one matches. */
    record And(List<SearchKey> keys) implements SearchKey {
        public And {
            keys = List.copyOf(keys);
        }
    }

    record Or(SearchKey left, SearchKey right) implements SearchKey {
    }

    record Not(SearchKey key) implements SearchKey {
    }

    /**
     * A system flag ({@code \Seen} spelled with its backslash) or a keyword, set or not: SEEN is
     * {@code Flag("\\Seen", true)}, UNKEYWORD $Junk is {@code Flag("$Junk", false)}. Case-insensitive.
     */
    record Flag(String flag, boolean set) implements SearchKey {
    }

    /** RECENT (true) and OLD (false); NEW is And(Recent(true), Flag("\\Seen", false)). IMAP4rev1 only. */
    record Recent(boolean recent) implements SearchKey {
    }

    enum DateComparison { BEFORE, ON, SINCE }

    /** BEFORE/ON/SINCE: INTERNALDATE's date in the server's time zone, ignoring time (RFC 9051 §6.4.4). */
    record InternalDate(DateComparison comparison, LocalDate date) implements SearchKey {
    }

    /** SENTBEFORE/SENTON/SENTSINCE: the Date header's date, ignoring time and zone. */
    record SentDate(DateComparison comparison, LocalDate date) implements SearchKey {
    }

    /** LARGER n (larger = true) and SMALLER n: RFC822.SIZE strictly above/below n. */
    record Size(boolean larger, long octets) implements SearchKey {
    }

    /**
     * HEADER field value, and FROM/TO/CC/BCC/SUBJECT as HEADER with that field: the field exists and
     * its decoded value contains the string, case-insensitively; an empty string matches every
     * message that has the field. Field names are upper-cased by the parser.
     */
    record Header(String field, String value) implements SearchKey {
    }

    /** BODY string: the decoded body text (not the header) contains the string. */
    record Body(String text) implements SearchKey {
    }

    /** TEXT string: the header or the decoded body contains the string. */
    record Text(String text) implements SearchKey {
    }

    /** A sequence set (uid = false) or UID set (uid = true), possibly {@code $}. */
    record Sequence(SequenceSet set, boolean uid) implements SearchKey {
    }

    /** MODSEQ n (RFC 7162 §3.1.5): the message's MODSEQ is at least n. Entry names are ignored. */
    record ModSeq(long modSeq) implements SearchKey {
    }
}
