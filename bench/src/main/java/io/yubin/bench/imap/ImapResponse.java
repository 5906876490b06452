package io.yubin.bench.imap;

import java.util.List;
import java.util.Map;

/** A parsed server response (RFC 9051 §7): the kinds this harness tells apart. */
sealed interface ImapResponse {

    enum Condition { OK, NO, BAD, BYE, PREAUTH }

    /** {@code + text}: the server waits for a literal. */
    record Continuation() implements ImapResponse {
    }

    /** {@code tag OK|NO|BAD [code args] text}. */
    record Tagged(String tag, Condition condition, String code, String codeArgs, String text) implements ImapResponse {
    }

    /** {@code * OK|NO|BAD|BYE|PREAUTH [code args] text}. */
    record Status(Condition condition, String code, String codeArgs, String text) implements ImapResponse {
    }

    /** {@code * FLAGS (...)}: the flags defined in the selected mailbox (RFC 9051 §7.3.5). */
    record Flags(List<String> flags) implements ImapResponse {
    }

    record Exists(long count) implements ImapResponse {
    }

    record Recent(long count) implements ImapResponse {
    }

    record Expunge(long number) implements ImapResponse {
    }

    /** {@code * n FETCH (...)}, items by upper-cased name ({@code BODY[]} for BODY.PEEK[]). */
    record Fetch(long number, Map<String, ImapValue> items) implements ImapResponse {
    }

    /** {@code * SEARCH n...}: message numbers, or UIDs when answering UID SEARCH. */
    record Search(List<Long> numbers) implements ImapResponse {
    }

    /** A well-formed untagged response this harness does not look into (CAPABILITY, LIST, ...). */
    record Other(String name) implements ImapResponse {
    }
}
