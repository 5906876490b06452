package io.yubin.pop3;

/**
 * One parsed client command (RFC 1939 §4-§7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH), or why
 * a line is not one. Message numbers are as typed; whether they exist is the session's business.
 */
public sealed interface Pop3Command {

    /** The keyword as the client should see it in replies, upper case. */
    String keyword();

    record User(String name) implements Pop3Command {
        public String keyword() {
            return "USER";
        }
    }

    /** The secret never appears in {@link #toString()}, so it cannot be logged by accident. */
    record Pass(String secret) implements Pop3Command {
        public String keyword() {
            return "PASS";
        }

        @Override
        public String toString() {
            return "Pass[secret=***]";
        }
    }

    /**
     * @param mechanism the SASL mechanism, upper case, or null for the bare {@code AUTH} listing
     * @param initialResponse the base64 initial response (RFC 5034 §4), {@code "="} for an empty
     *        one, or null when none was given
     */
    record Auth(String mechanism, String initialResponse) implements Pop3Command {
        public String keyword() {
            return "AUTH";
        }

        @Override
        public String toString() {
            return "Auth[mechanism=" + mechanism + ", initialResponse=" + (initialResponse == null ? "none" : "***") + "]";
        }
    }

    record Stat() implements Pop3Command {
        public String keyword() {
            return "STAT";
        }
    }

    /** @param message the message number, or 0 for all */
    record ListMessages(long message) implements Pop3Command {
        public String keyword() {
            return "LIST";
        }
    }

    record Retr(long message) implements Pop3Command {
        public String keyword() {
            return "RETR";
        }
    }

    record Dele(long message) implements Pop3Command {
        public String keyword() {
            return "DELE";
        }
    }

    record Noop() implements Pop3Command {
        public String keyword() {
            return "NOOP";
        }
    }

    record Rset() implements Pop3Command {
        public String keyword() {
            return "RSET";
        }
    }

    record Quit() implements Pop3Command {
        public String keyword() {
            return "QUIT";
        }
    }

    /** @param lines how many body lines after the header (RFC 1939 §7) */
    record Top(long message, long lines) implements Pop3Command {
        public String keyword() {
            return "TOP";
        }
    }

    /** @param message the message number, or 0 for all */
    record Uidl(long message) implements Pop3Command {
        public String keyword() {
            return "UIDL";
        }
    }

    record Capa() implements Pop3Command {
        public String keyword() {
            return "CAPA";
        }
    }

    record Stls() implements Pop3Command {
        public String keyword() {
            return "STLS";
        }
    }

    /** A line that is no command: unknown keyword, or wrong arguments for a known one. */
    record Invalid(String keyword, String reason) implements Pop3Command {
    }
}
