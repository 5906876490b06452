package io.yubin.bench.imap;

import io.yubin.bench.LatencyStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;

/**
 * The SEARCH latency of issue 14: one connection, one seeded mailbox, UID SEARCH with header keys
 * (FROM, SUBJECT, HEADER Message-ID) and flag keys (SEEN, KEYWORD $Label1, UNSEEN DELETED). One
 * round of the six first (the cold figures), then `rounds` rounds, each in a random order.
 */
final class SearchLatency {

    static final List<String> KINDS = List.of("FROM", "SUBJECT", "HEADER Message-ID", "SEEN", "KEYWORD $Label1",
            "UNSEEN DELETED");

    record Outcome(Map<String, Long> cold, Map<String, LatencyStats> warm, Map<String, Double> meanResults,
            LatencyStats header, LatencyStats flags, long selectNanos) {
    }

    private SearchLatency() {
    }

    static Outcome run(SSLContext tls, int port, int user, String domain, String password, int seeded, int rounds,
            long seed, int timeoutSeconds, Findings findings) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Long> cold = new LinkedHashMap<>();
        Map<String, LatencyStats> warm = new LinkedHashMap<>();
        Map<String, long[]> results = new LinkedHashMap<>();
        for (String k : KINDS) {
            warm.put(k, new LatencyStats(rounds));
            results.put(k, new long[2]);
        }
        LatencyStats header = new LatencyStats(3 * rounds);
        LatencyStats flags = new LatencyStats(3 * rounds);
        try (BenchSession s = BenchSession.open(tls, port, timeoutSeconds, findings, "search user" + user)) {
            if (!s.run(SessionView.Command.LOGIN, "LOGIN " + MixedClient.quote("user" + user + "@" + domain) + " "
                    + MixedClient.quote(password)).ok()) {
                throw new IOException("LOGIN failed");
            }
            BenchSession.Result select = s.run(SessionView.Command.SELECT, "SELECT INBOX");
            if (!select.ok()) {
                throw new IOException("SELECT INBOX failed");
            }
            for (int round = 0; round <= rounds; round++) {
                List<String> order = new ArrayList<>(KINDS);
                java.util.Collections.shuffle(order, new java.util.Random(random.nextLong()));
                for (String kind : order) {
                    String criteria = criteria(kind, user, seeded, random);
                    BenchSession.Result r = s.run(SessionView.Command.UID_SEARCH, "UID SEARCH " + criteria);
                    if (r.failed()) {
                        throw new IOException("connection lost during UID SEARCH " + criteria);
                    }
                    if (round == 0) {
                        cold.put(kind, r.nanos());
                        continue;
                    }
                    warm.get(kind).record(r.nanos());
                    (KINDS.indexOf(kind) < 3 ? header : flags).record(r.nanos());
                    results.get(kind)[0] += s.view().lastSearchCount();
                    results.get(kind)[1]++;
                }
            }
            s.run(SessionView.Command.LOGOUT, "LOGOUT");
            Map<String, Double> mean = new LinkedHashMap<>();
            results.forEach((k, v) -> mean.put(k, v[1] == 0 ? 0 : v[0] / (double) v[1]));
            return new Outcome(cold, warm, mean, header, flags, select.nanos());
        }
    }

    private static String criteria(String kind, int user, int seeded, SplittableRandom random) {
        return switch (kind) {
            case "FROM" -> "FROM \"" + SeedMessages.sender(random.nextInt(SeedMessages.SENDERS)) + "\"";
            case "SUBJECT" -> "SUBJECT \"" + SeedMessages.WORDS[random.nextInt(SeedMessages.WORDS.length)] + "\"";
            case "HEADER Message-ID" -> "HEADER Message-ID \"" + SeedMessages.messageId(user, random.nextInt(seeded))
                    + "\"";
            default -> kind;
        };
    }
}
