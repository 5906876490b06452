package io.yubin.bench.imap;

import io.yubin.bench.imap.SessionView.Command;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * One client of the mixed workload, as issue 14's tester ran it: connects over TLS, LOGINs as a
 * random user of the range, SELECTs INBOX, runs 3-13 random commands, LOGOUTs, and starts over,
 * until the deadline. The commands, by weight out of 100: SELECT 6, FETCH by number 16, UID FETCH 16
 * (FLAGS; FLAGS ENVELOPE; FLAGS BODY.PEEK[]), STORE 10, UID STORE 10 (+/-FLAGS, silent or not, with
 * system flags and $Label1..$Label5), EXPUNGE 5 (after STORE +FLAGS.SILENT (\Deleted) on 1-3
 * messages), APPEND 10 (2-6 KiB, a third with keywords), NOOP 10, UID SEARCH with a header key 6 and
 * with flag keys 6, SEARCH by number with flag keys 5.
 */
final class MixedClient implements Callable<Tally> {

    static final List<String> TYPES = List.of("connect+TLS", "LOGIN", "SELECT", "FETCH", "UID FETCH", "STORE",
            "UID STORE", "EXPUNGE", "APPEND", "NOOP", "UID SEARCH header", "UID SEARCH flags", "SEARCH", "LOGOUT");

    private static final int[] WEIGHTS = {6, 16, 16, 10, 10, 5, 10, 10, 6, 6, 5};
    private static final String[] STORE_FLAGS = {"\\Seen", "\\Flagged", "\\Answered", "\\Draft", "$Label1",
        "$Label2", "$Label3", "$Label4", "$Label5"};
    static final String[] FLAG_SEARCHES = {"UNSEEN", "FLAGGED", "KEYWORD $Label1", "KEYWORD $Label2",
        "KEYWORD $Label3", "KEYWORD $Label4", "KEYWORD $Label5", "UNSEEN DELETED", "SEEN UNFLAGGED", "ANSWERED",
        "NOT KEYWORD $Label1 UNSEEN"};
    /** Below this many messages a client appends instead of expunging, so a mailbox never empties. */
    private static final int MIN_MESSAGES = 50;
    private static final int MAX_CONSECUTIVE_FAILURES = 100;

    private final int index;
    private final MixedOptions o;
    private final SSLContext tls;
    private final Findings findings;
    private final long deadline;
    private final SplittableRandom random;
    private final Tally tally = new Tally();
    private long commands;
    private long appended;
    private volatile BenchSession current;

    /** What every client of a run shares. */
    record MixedOptions(int port, int firstUser, int users, String domain, String password, int seeded,
            int timeoutSeconds, long maxCommands, long seed) {
    }

    MixedClient(int index, MixedOptions options, SSLContext tls, Findings findings, long deadline) {
        this.index = index;
        this.o = options;
        this.tls = tls;
        this.findings = findings;
        this.deadline = deadline;
        this.random = new SplittableRandom(options.seed() * 1_000_003L + index);
    }

    private boolean timeLeft() {
        return System.nanoTime() - deadline < 0 && commands < o.maxCommands();
    }

    @Override
    public Tally call() {
        int failures = 0;
        while (timeLeft() && failures < MAX_CONSECUTIVE_FAILURES) {
            int user = o.firstUser() + random.nextInt(o.users());
            String who = "client " + index + ", user" + user + "@" + o.domain();
            long t0 = System.nanoTime();
            BenchSession s;
            try {
                s = BenchSession.open(tls, o.port(), o.timeoutSeconds(), findings, who);
            } catch (IOException e) {
                failures++;
                findings.record(List.of(new Violation(Violation.Kind.CONNECTION, "connect: " + e.getMessage())),
                        () -> "  (" + who + ")\n");
                sleepQuietly();
                continue;
            }
            current = s;
            tally.record("connect+TLS", System.nanoTime() - t0);
            try {
                if (!session(s, user)) {
                    failures++;
                } else {
                    failures = 0;
                }
            } finally {
                tally.expungeIssued += s.expungeIssued;
                s.close();
                current = null;
            }
        }
        return tally;
    }

    /** Closes the connection in use: for the main thread, when a client overstays the run. */
    void abort() {
        BenchSession s = current;
        if (s != null) {
            s.close();
        }
    }

    /** One login session; false when it ended in a failed LOGIN, SELECT or connection. */
    private boolean session(BenchSession s, int user) {
        if (!step(s, "LOGIN", Command.LOGIN, "LOGIN " + quote("user" + user + "@" + o.domain()) + " "
                + quote(o.password()), null, Map.of()).ok()) {
            return false;
        }
        if (!timeLeft() || !step(s, "SELECT", Command.SELECT, "SELECT INBOX", null, Map.of()).ok()) {
            return false;
        }
        int planned = 3 + random.nextInt(11);
        for (int i = 0; i < planned && timeLeft(); i++) {
            if (!one(s, user) || s.broken()) {
                return false;
            }
        }
        if (timeLeft()) {
            step(s, "LOGOUT", Command.LOGOUT, "LOGOUT", null, Map.of());
        }
        return !s.broken();
    }

    private boolean one(BenchSession s, int user) {
        SessionView v = s.view();
        int pick = random.nextInt(100);
        int op = 0;
        int bound = WEIGHTS[0];
        while (pick >= bound) {
            bound += WEIGHTS[++op];
        }
        long exists = v.exists();
        if (exists == 0 && (op == 1 || op == 3 || op == 5)) {
            op = 6; // nothing to fetch, store or expunge by number: append
        }
        if (op == 5 && exists < MIN_MESSAGES) {
            op = 6;
        }
        switch (op) {
            case 0 -> step(s, "SELECT", Command.SELECT, "SELECT INBOX", null, Map.of());
            case 1 -> fetchByNumber(s, exists);
            case 2 -> {
                String items = fetchItems();
                String set = uidSet(v, items.contains("BODY") ? 0 : 10);
                step(s, "UID FETCH", Command.UID_FETCH, "UID FETCH " + set + " " + items, null, Map.of());
            }
            case 3 -> step(s, "STORE", Command.STORE, "STORE " + numberRange(exists, 5) + " " + storeChange(),
                    null, Map.of());
            case 4 -> step(s, "UID STORE", Command.UID_STORE, "UID STORE " + uidSet(v, 5) + " " + storeChange(),
                    null, Map.of());
            case 5 -> {
                TreeSet<Long> doomed = new TreeSet<>();
                int n = 1 + random.nextInt(3);
                while (doomed.size() < n) {
                    doomed.add(1 + random.nextLong(exists));
                }
                String set = String.join(",", doomed.stream().map(String::valueOf).toList());
                if (step(s, "STORE", Command.STORE, "STORE " + set + " +FLAGS.SILENT (\\Deleted)", null, Map.of())
                        .failed()) {
                    return false;
                }
                step(s, "EXPUNGE", Command.EXPUNGE, "EXPUNGE", null, Map.of());
            }
            case 6 -> append(s, user);
            case 7 -> step(s, "NOOP", Command.NOOP, "NOOP", null, Map.of());
            case 8 -> step(s, "UID SEARCH header", Command.UID_SEARCH, "UID SEARCH " + headerKey(user), null,
                    Map.of());
            case 9 -> step(s, "UID SEARCH flags", Command.UID_SEARCH,
                    "UID SEARCH " + FLAG_SEARCHES[random.nextInt(FLAG_SEARCHES.length)], null, Map.of());
            default -> step(s, "SEARCH", Command.SEARCH,
                    "SEARCH " + FLAG_SEARCHES[random.nextInt(FLAG_SEARCHES.length)], null, Map.of());
        }
        return true;
    }

    private void fetchByNumber(BenchSession s, long exists) {
        String items = fetchItems();
        long first = 1 + random.nextLong(exists);
        long last = items.contains("BODY") ? first : Math.min(exists, first + random.nextInt(10));
        Set<String> wanted = new TreeSet<>();
        wanted.add("FLAGS");
        if (items.contains("ENVELOPE")) {
            wanted.add("ENVELOPE");
        }
        if (items.contains("BODY")) {
            wanted.add("BODY[]");
        }
        Map<Long, Set<String>> expected = new LinkedHashMap<>();
        for (long n = first; n <= last; n++) {
            expected.put(n, wanted);
        }
        step(s, "FETCH", Command.FETCH, "FETCH " + (first == last ? first + "" : first + ":" + last) + " " + items,
                null, expected);
    }

    private String fetchItems() {
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> "(FLAGS)";
            case 3, 4, 5, 6 -> "(FLAGS ENVELOPE)";
            default -> "(FLAGS BODY.PEEK[])";
        };
    }

    /** A message number or a range of up to span + 1 within 1..exists. */
    private String numberRange(long exists, int span) {
        long first = 1 + random.nextLong(exists);
        long last = Math.min(exists, first + random.nextInt(span + 1));
        return first == last ? Long.toString(first) : first + ":" + last;
    }

    /** A UID or a range of UIDs below the next UID the session knows of (some expunged by then). */
    private String uidSet(SessionView v, int span) {
        long first = 1 + random.nextLong(Math.max(1, v.uidNext() - 1));
        long last = first + (span == 0 ? 0 : random.nextInt(span + 1));
        return first == last ? Long.toString(first) : first + ":" + last;
    }

    private String storeChange() {
        String op = switch (random.nextInt(4)) {
            case 0 -> "+FLAGS";
            case 1 -> "-FLAGS";
            case 2 -> "+FLAGS.SILENT";
            default -> "-FLAGS.SILENT";
        };
        String a = STORE_FLAGS[random.nextInt(STORE_FLAGS.length)];
        String b = STORE_FLAGS[random.nextInt(STORE_FLAGS.length)];
        return op + " (" + (a.equals(b) || random.nextBoolean() ? a : a + " " + b) + ")";
    }

    private String headerKey(int user) {
        return switch (random.nextInt(3)) {
            case 0 -> "FROM \"" + SeedMessages.sender(random.nextInt(SeedMessages.SENDERS)) + "\"";
            case 1 -> "SUBJECT \"" + SeedMessages.WORDS[random.nextInt(SeedMessages.WORDS.length)] + "\"";
            default -> "HEADER Message-ID \"" + SeedMessages.messageId(user, random.nextInt(Math.max(1, o.seeded())))
                    + "\"";
        };
    }

    private void append(BenchSession s, int user) {
        long n = 1_000_000_000L + index * 10_000_000L + appended++;
        String flags = switch (random.nextInt(3)) {
            case 0 -> "";
            case 1 -> "(\\Seen) ";
            default -> "(" + SeedMessages.KEYWORDS[random.nextInt(5)] + (random.nextBoolean() ? " \\Seen" : "")
                    + ") ";
        };
        step(s, "APPEND", Command.APPEND, "APPEND INBOX " + flags.trim(), SeedMessages.message(user, n), Map.of());
    }

    private BenchSession.Result step(BenchSession s, String type, Command kind, String command, byte[] literal,
            Map<Long, Set<String>> expected) {
        BenchSession.Result r = s.run(kind, command.trim(), literal, expected);
        if (!r.failed()) {
            tally.record(type, r.nanos());
            commands++;
        }
        return r;
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void sleepQuietly() {
        try {
            TimeUnit.MILLISECONDS.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
