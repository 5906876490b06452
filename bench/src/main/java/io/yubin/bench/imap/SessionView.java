package io.yubin.bench.imap;

import io.yubin.bench.imap.ImapResponse.Condition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What one IMAP4rev1 session has been told about its selected mailbox (message count, flags
 * defined, next UID), and the conformance checks on every response the server sends in it.
 * Feed it each command with {@link #begin}, every response with {@link #response}, and the tagged
 * completion with {@link #end}; it collects the {@link Violation}s of that command.
 */
final class SessionView {

    /** The commands this harness sends, as far as the rules tell them apart. */
    enum Command {
        LOGIN, SELECT, FETCH, UID_FETCH, STORE, UID_STORE, EXPUNGE, APPEND, NOOP, SEARCH, UID_SEARCH, LOGOUT;

        /** RFC 9051 §7.5.1: commands during which EXPUNGE must not be sent. */
        boolean forbidsExpunge() {
            return this == FETCH || this == STORE || this == SEARCH;
        }

        boolean isFetchOrStore() {
            return this == FETCH || this == UID_FETCH || this == STORE || this == UID_STORE;
        }
    }

    private boolean selected;
    private long exists;
    private long uidNext = 1;
    private final Set<String> keywords = new HashSet<>();

    private Command command;
    private Map<Long, Set<String>> expected = Map.of();
    private final Map<Long, Set<String>> received = new java.util.HashMap<>();
    private final Set<String> selectSeen = new HashSet<>();
    private boolean sawSearch;
    private long lastSearchCount;
    private boolean sawBye;
    private final List<Violation> violations = new ArrayList<>();

    boolean selected() {
        return selected;
    }

    long exists() {
        return exists;
    }

    /** How many numbers the last SEARCH response held. */
    long lastSearchCount() {
        return lastSearchCount;
    }

    long uidNext() {
        return uidNext;
    }

    /**
     * A command was sent. For FETCH by number, {@code expected} holds the message numbers asked for,
     * each with the item names the answer must hold (as the server names them: BODY[] for BODY.PEEK[]).
     */
    void begin(Command command, Map<Long, Set<String>> expected) {
        this.command = command;
        this.expected = expected;
        received.clear();
        selectSeen.clear();
        sawSearch = false;
        lastSearchCount = 0;
        sawBye = false;
        violations.clear();
        if (command == Command.SELECT) {
            // RFC 9051 §6.3.2: SELECT first deselects; what follows describes the new mailbox.
            selected = false;
            exists = 0;
            keywords.clear();
        }
    }

    void response(ImapResponse r) {
        if (r instanceof ImapResponse.Flags f) {
            keywords.clear();
            for (String flag : f.flags()) {
                if (!flag.startsWith("\\")) {
                    keywords.add(flag.toLowerCase(Locale.ROOT));
                }
            }
            selectSeen.add("FLAGS");
        } else if (r instanceof ImapResponse.Exists e) {
            if (e.count() < exists) {
                violate(Violation.Kind.EXISTS_DECREASED, e.count() + " EXISTS after " + exists);
            }
            exists = e.count();
            selectSeen.add("EXISTS");
        } else if (r instanceof ImapResponse.Recent) {
            selectSeen.add("RECENT");
        } else if (r instanceof ImapResponse.Expunge x) {
            if (command.forbidsExpunge()) {
                violate(Violation.Kind.EXPUNGE_DURING_FETCH_STORE_SEARCH, x.number() + " EXPUNGE during " + command);
            }
            if (x.number() > exists) {
                violate(Violation.Kind.NUMBER_OUT_OF_RANGE, x.number() + " EXPUNGE with " + exists + " messages");
            } else {
                exists--;
            }
        } else if (r instanceof ImapResponse.Fetch f) {
            fetch(f);
        } else if (r instanceof ImapResponse.Search s) {
            sawSearch = true;
            lastSearchCount = s.numbers().size();
            if (command == Command.SEARCH) {
                for (long n : s.numbers()) {
                    if (n > exists) {
                        violate(Violation.Kind.NUMBER_OUT_OF_RANGE, "SEARCH result " + n + " with " + exists + " messages");
                        break;
                    }
                }
            }
        } else if (r instanceof ImapResponse.Status s) {
            status(s);
        } else if (r instanceof ImapResponse.Continuation) {
            violate(Violation.Kind.UNPARSEABLE, "continuation request not asked for");
        } else if (r instanceof ImapResponse.Tagged t) {
            violate(Violation.Kind.UNPARSEABLE, "tagged response with another tag: " + t.tag());
        }
    }

    private void fetch(ImapResponse.Fetch f) {
        if (f.number() > exists) {
            violate(Violation.Kind.NUMBER_OUT_OF_RANGE, f.number() + " FETCH with " + exists + " messages");
        }
        if (f.items().get("FLAGS") instanceof ImapValue.Lst flags) {
            for (ImapValue v : flags.items()) {
                String flag = ((ImapValue.Atom) v).text();
                if (!flag.startsWith("\\") && !keywords.contains(flag.toLowerCase(Locale.ROOT))) {
                    violate(Violation.Kind.KEYWORD_NOT_ANNOUNCED, "FETCH " + f.number() + " shows " + flag
                            + " not in the last FLAGS response " + keywords);
                }
            }
        }
        // RFC 9051 §6.4.9; a FETCH carrying only FLAGS (and MODSEQ) may be an unsolicited flag update.
        if ((command == Command.UID_FETCH || command == Command.UID_STORE) && !f.items().containsKey("UID")
                && !f.items().keySet().stream().allMatch(k -> k.equals("FLAGS") || k.equals("MODSEQ"))) {
            violate(Violation.Kind.UID_MISSING, "FETCH " + f.number() + " " + f.items().keySet() + " answering " + command);
        }
        if (f.items().get("UID") instanceof ImapValue.Atom uid) {
            uidNext = Math.max(uidNext, Long.parseLong(uid.text()) + 1);
        }
        if (expected.containsKey(f.number())) {
            received.computeIfAbsent(f.number(), k -> new HashSet<>()).addAll(f.items().keySet());
        }
    }

    private void status(ImapResponse.Status s) {
        switch (s.condition()) {
            case BAD -> violate(Violation.Kind.UNTAGGED_BAD, "* BAD " + s.text());
            case BYE -> {
                sawBye = true;
                if (command != Command.LOGOUT) {
                    violate(Violation.Kind.UNEXPECTED_BYE, "* BYE " + s.text() + " during " + command);
                }
            }
            default -> code(s.code(), s.codeArgs());
        }
    }

    private void code(String code, String args) {
        if (code == null) {
            return;
        }
        switch (code) {
            case "UIDNEXT" -> {
                selectSeen.add(code);
                uidNext = Math.max(uidNext, parse(args));
            }
            case "APPENDUID" -> {
                String[] parts = args == null ? new String[0] : args.split(" ");
                if (parts.length == 2) {
                    uidNext = Math.max(uidNext, parse(parts[1]) + 1);
                }
            }
            case "UIDVALIDITY", "PERMANENTFLAGS" -> selectSeen.add(code);
            default -> {
            }
        }
    }

    private static long parse(String number) {
        try {
            return Long.parseLong(number.trim());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    void unparseable(RawResponse raw, String why) {
        violate(Violation.Kind.UNPARSEABLE, why + ": " + raw.display(200));
    }

    /** The command's tagged completion arrived. Returns the command's violations. */
    List<Violation> end(ImapResponse.Tagged t) {
        code(t.code(), t.codeArgs());
        if (t.condition() == Condition.BAD) {
            violate(Violation.Kind.TAGGED_BAD, t.condition() + (t.code() == null ? "" : " [" + t.code() + "]") + " " + t.text());
        } else if (t.condition() == Condition.NO && !expungeIssued(t)) {
            violate(Violation.Kind.TAGGED_NO, t.condition() + (t.code() == null ? "" : " [" + t.code() + "]") + " " + t.text());
        } else if (t.condition() == Condition.OK) {
            completed();
        }
        return List.copyOf(violations);
    }

    /** RFC 5530: NO [EXPUNGEISSUED] to a FETCH or STORE touching a message another session expunged. */
    boolean expungeIssued(ImapResponse.Tagged t) {
        return t.condition() == Condition.NO && "EXPUNGEISSUED".equals(t.code()) && command.isFetchOrStore();
    }

    private void completed() {
        switch (command) {
            case SELECT -> {
                List<String> missing = new ArrayList<>();
                for (String needed : List.of("FLAGS", "EXISTS", "RECENT", "UIDVALIDITY", "UIDNEXT", "PERMANENTFLAGS")) {
                    if (!selectSeen.contains(needed)) {
                        missing.add(needed);
                    }
                }
                if (!missing.isEmpty()) {
                    violate(Violation.Kind.SELECT_INCOMPLETE, "SELECT without " + missing);
                }
                selected = true;
            }
            case FETCH -> {
                for (Map.Entry<Long, Set<String>> e : expected.entrySet()) {
                    Set<String> got = received.getOrDefault(e.getKey(), Set.of());
                    if (!got.containsAll(e.getValue())) {
                        violate(Violation.Kind.FETCH_DATA_MISSING, "FETCH " + e.getKey() + " answered with " + got
                                + ", asked for " + e.getValue());
                        break;
                    }
                }
            }
            case SEARCH, UID_SEARCH -> {
                if (!sawSearch) {
                    violate(Violation.Kind.SEARCH_MISSING, command + " OK without * SEARCH");
                }
            }
            case LOGOUT -> {
                if (!sawBye) {
                    violate(Violation.Kind.BYE_MISSING, "LOGOUT OK without * BYE");
                }
            }
            default -> {
            }
        }
    }

    /** The connection failed during the command. */
    List<Violation> failed(String why) {
        violate(Violation.Kind.CONNECTION, why + " during " + command);
        selected = false;
        return List.copyOf(violations);
    }

    private void violate(Violation.Kind kind, String detail) {
        violations.add(new Violation(kind, detail));
    }
}
