package io.yubin.bench.imap;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A value in a server response (RFC 9051 §9): an atom or number, a string, NIL, or a list. */
sealed interface ImapValue {

    record Atom(String text) implements ImapValue {
    }

    /** A quoted string or a literal. */
    record Str(byte[] octets) implements ImapValue {
        String text() {
            return new String(octets, StandardCharsets.UTF_8);
        }
    }

    record Nil() implements ImapValue {
    }

    record Lst(List<ImapValue> items) implements ImapValue {
    }

    Nil NIL = new Nil();
}
