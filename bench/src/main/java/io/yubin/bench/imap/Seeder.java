package io.yubin.bench.imap;

import io.yubin.bench.imap.ImapResponse.Condition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * Fills each user's INBOX with {@link SeedMessages} 0..n-1, in order, over one connection per user
 * (so UID k holds message k-1 on every server), APPENDs pipelined up to a window when the server
 * has LITERAL+ (RFC 7888), one at a time otherwise. Refuses a non-empty INBOX: runs compare like
 * with like only from the same content.
 */
final class Seeder {

    private static final int WINDOW = 32;

    private final SSLContext tls;
    private final int port;
    private final String domain;
    private final String password;
    private final int timeoutSeconds;

    Seeder(SSLContext tls, int port, String domain, String password, int timeoutSeconds) {
        this.tls = tls;
        this.port = port;
        this.domain = domain;
        this.password = password;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Seeds users first..first+count-1 with n messages each over at most `parallel` connections. */
    long seed(int first, int count, int n, int parallel, boolean force) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, count)));
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int u = first; u < first + count; u++) {
                int user = u;
                done.add(pool.submit(() -> seedUser(user, n, force)));
            }
            long total = 0;
            for (Future<Long> f : done) {
                total += f.get();
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    private long seedUser(int user, int n, boolean force) throws IOException {
        Findings findings = new Findings(1);
        try (BenchSession s = BenchSession.open(tls, port, timeoutSeconds, findings, "seed user" + user)) {
            if (!s.run(SessionView.Command.LOGIN, "LOGIN " + MixedClient.quote("user" + user + "@" + domain) + " "
                    + MixedClient.quote(password)).ok()) {
                throw new IOException("user" + user + "@" + domain + ": LOGIN failed");
            }
            if (!s.run(SessionView.Command.SELECT, "EXAMINE INBOX").ok()) {
                throw new IOException("user" + user + ": EXAMINE INBOX failed");
            }
            if (s.view().exists() != 0 && !force) {
                throw new IOException("user" + user + "@" + domain + "'s INBOX holds " + s.view().exists()
                        + " messages; seed an empty one (or --force)");
            }
            if (!s.literalPlus()) {
                for (int i = 0; i < n; i++) {
                    BenchSession.Result r = s.run(SessionView.Command.APPEND, appendCommand(user, i),
                            SeedMessages.message(user, i), Map.of());
                    if (!r.ok()) {
                        throw new IOException("user" + user + ": APPEND " + i + " failed: " + r.condition());
                    }
                }
            } else {
                pipelined(s.connection(), user, n);
            }
            s.run(SessionView.Command.LOGOUT, "LOGOUT");
        }
        return n;
    }

    private static String appendCommand(int user, long i) {
        String flags = SeedMessages.flags(user, i);
        return "APPEND INBOX " + (flags.isEmpty() ? "" : flags + " ") + SeedMessages.internalDate(i);
    }

    /** APPENDs with non-synchronizing literals, at most WINDOW unanswered; every one must be OK. */
    private void pipelined(ImapTlsConnection c, int user, int n) throws IOException {
        int sent = 0;
        int answered = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (answered < n) {
            while (sent < n && sent - answered < WINDOW) {
                byte[] m = SeedMessages.message(user, sent);
                c.write("S" + sent + " " + appendCommand(user, sent) + " {" + m.length + "+}\r\n");
                c.write(m);
                c.write("\r\n");
                sent++;
            }
            c.flush();
            RawResponse raw = c.read(deadline);
            ImapResponse r;
            try {
                r = ImapResponseParser.parse(raw);
            } catch (ImapSyntaxException e) {
                throw new IOException("seed: " + e.getMessage() + ": " + raw.display(200));
            }
            if (r instanceof ImapResponse.Tagged t) {
                if (t.condition() != Condition.OK) {
                    throw new IOException("seed user" + user + ": " + raw.display(200));
                }
                answered++;
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            }
        }
    }
}
