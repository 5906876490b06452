package io.yubin.bench.imap;

import io.yubin.bench.imap.ImapResponse.Condition;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * One client connection: sends a command, reads every response up to its tagged completion,
 * parses each strictly and hands it to the {@link SessionView} that checks it. The exchanges of
 * the last few commands are kept (as read, not rendered) so a protocol error can be reported with
 * the commands and responses that led to it.
 */
final class BenchSession implements AutoCloseable {

    private static final int HISTORY = 3;

    /** How a command ended: its tagged condition and response code, or the connection failed. */
    record Result(Condition condition, String code, long nanos, boolean failed) {
        boolean ok() {
            return condition == Condition.OK;
        }
    }

    private record Exchange(String command, List<RawResponse> responses) {
    }

    private final ImapTlsConnection connection;
    private final SessionView view = new SessionView();
    private final Findings findings;
    private final String who;
    private final long timeoutNanos;
    private final ArrayDeque<Exchange> history = new ArrayDeque<>(HISTORY + 1);
    private boolean literalPlus;
    private boolean broken;
    private long tags;
    long expungeIssued;

    private BenchSession(ImapTlsConnection connection, Findings findings, String who, long timeoutNanos) {
        this.connection = connection;
        this.findings = findings;
        this.who = who;
        this.timeoutNanos = timeoutNanos;
    }

    /** Connects over TLS and reads the greeting (which must be {@code * OK}). */
    static BenchSession open(SSLContext tls, int port, int timeoutSeconds, Findings findings, String who)
            throws IOException {
        ImapTlsConnection c = ImapTlsConnection.open(tls, port, timeoutSeconds * 1000);
        BenchSession s = new BenchSession(c, findings, who, TimeUnit.SECONDS.toNanos(timeoutSeconds));
        try {
            RawResponse greeting = c.read(System.nanoTime() + s.timeoutNanos);
            ImapResponse r = ImapResponseParser.parse(greeting);
            if (!(r instanceof ImapResponse.Status st) || st.condition() != Condition.OK) {
                throw new IOException("greeting: " + greeting.display(200));
            }
            s.capabilities(st.code(), st.codeArgs());
            return s;
        } catch (ImapSyntaxException e) {
            c.close();
            throw new IOException("greeting: " + e.getMessage());
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    String protocol() {
        return connection.protocol();
    }

    SessionView view() {
        return view;
    }

    boolean broken() {
        return broken;
    }

    /** Runs a command without a literal. */
    Result run(SessionView.Command kind, String command) {
        return run(kind, command, null, Map.of());
    }

    /**
     * Sends {@code tag command}, with {@code literal} after it ({@code {n+}} when the server has
     * LITERAL+, RFC 7888, else a synchronizing literal), and reads to the tagged completion.
     * {@code expected}: for FETCH by number, the items each message's answer must hold.
     */
    Result run(SessionView.Command kind, String command, byte[] literal, Map<Long, Set<String>> expected) {
        String tag = "A" + (++tags);
        Exchange exchange = new Exchange(tag + " " + command
                + (literal == null ? "" : " {" + literal.length + (literalPlus ? "+" : "") + "}<" + literal.length
                        + " octets>"), new ArrayList<>());
        history.addLast(exchange);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        view.begin(kind, expected);
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        try {
            if (literal == null) {
                connection.write(tag + " " + command + "\r\n");
            } else if (literalPlus) {
                connection.write(tag + " " + command + " {" + literal.length + "+}\r\n");
                connection.write(literal);
                connection.write("\r\n");
            } else {
                connection.write(tag + " " + command + " {" + literal.length + "}\r\n");
                connection.flush();
                ImapResponse.Tagged early = awaitContinuation(tag, exchange, deadline);
                if (early != null) {
                    return finish(early, start, exchange);
                }
                connection.write(literal);
                connection.write("\r\n");
            }
            connection.flush();
            while (true) {
                RawResponse raw = connection.read(deadline);
                exchange.responses().add(raw);
                ImapResponse r = parse(raw);
                if (r instanceof ImapResponse.Tagged t && t.tag().equals(tag)) {
                    return finish(t, start, exchange);
                }
                if (r != null) {
                    view.response(r);
                }
            }
        } catch (IOException e) {
            broken = true;
            List<Violation> v = view.failed(e.getMessage());
            findings.record(v, this::transcript);
            return new Result(null, null, System.nanoTime() - start, true);
        }
    }

    private ImapResponse.Tagged awaitContinuation(String tag, Exchange exchange, long deadline) throws IOException {
        while (true) {
            RawResponse raw = connection.read(deadline);
            exchange.responses().add(raw);
            ImapResponse r = parse(raw);
            if (r instanceof ImapResponse.Continuation) {
                return null;
            }
            if (r instanceof ImapResponse.Tagged t && t.tag().equals(tag)) {
                return t;
            }
            if (r != null) {
                view.response(r);
            }
        }
    }

    private ImapResponse parse(RawResponse raw) {
        try {
            return ImapResponseParser.parse(raw);
        } catch (ImapSyntaxException e) {
            view.unparseable(raw, e.getMessage());
            return null;
        }
    }

    private Result finish(ImapResponse.Tagged t, long start, Exchange exchange) {
        long nanos = System.nanoTime() - start;
        List<Violation> v = view.end(t);
        if (view.expungeIssued(t)) {
            expungeIssued++;
        }
        if (!v.isEmpty()) {
            findings.record(v, this::transcript);
        }
        if (t.code() != null && t.code().equals("CAPABILITY")) {
            capabilities(t.code(), t.codeArgs());
        }
        return new Result(t.condition(), t.code(), nanos, false);
    }

    private void capabilities(String code, String args) {
        if ("CAPABILITY".equals(code) && args != null) {
            literalPlus = (" " + args.toUpperCase(Locale.ROOT) + " ").contains(" LITERAL+ ");
        }
    }

    /** The last few exchanges of this connection, client lines with C:, server lines with S:. */
    private String transcript() {
        StringBuilder b = new StringBuilder("  (").append(who).append(")\n");
        for (Exchange e : history) {
            b.append("  C: ").append(e.command()).append('\n');
            int shown = 0;
            for (RawResponse r : e.responses()) {
                if (shown++ == 40) {
                    b.append("  S: ... ").append(e.responses().size() - 40).append(" more responses\n");
                    break;
                }
                b.append("  S: ").append(r.display(400)).append('\n');
            }
        }
        return b.toString();
    }

    /** Whether the server announced LITERAL+ (RFC 7888). */
    boolean literalPlus() {
        return literalPlus;
    }

    ImapTlsConnection connection() {
        return connection;
    }

    @Override
    public void close() {
        connection.close();
    }
}
