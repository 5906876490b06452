package io.yubin.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The engine for authenticated submission over implicit TLS (the 465-style port), which the
 * selector engine ({@link LoadGenerator}, plaintext only) cannot speak: one blocking thread per
 * connection, each doing TLS, EHLO and AUTH PLAIN once, then MAIL/RCPT/DATA transactions (pipelined
 * when the server offers PIPELINING) until N have been started over all connections, then QUIT.
 *
 * <p>The server's certificate is not checked (a benchmark on loopback against a self-signed
 * certificate). Costs more generator CPU per message than the selector engine (TLS, a thread per
 * connection); the report's generator CPU line says how much.
 */
final class TlsSubmitGenerator {

    private final LoadConfig config;
    private final byte[] wire;
    private final String authPlain;
    private final AtomicInteger nextMessage = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger pipelining = new AtomicInteger();
    private final AtomicLong lastCompletion = new AtomicLong();
    private final int[] refusalCounts = new int[600];
    private final LatencyStats latency;
    private volatile String firstError;
    private volatile boolean stop;

    /** @param wireMessage the message in DATA wire form: dot-stuffed and ending with {@code .CRLF} */
    TlsSubmitGenerator(LoadConfig config, byte[] wireMessage, String user, String password) {
        this.config = config;
        this.wire = wireMessage;
        this.authPlain = Base64.getEncoder().encodeToString(
                ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        this.latency = new LatencyStats(config.messages());
    }

    LoadResult run() throws Exception {
        SSLContext tls = io.yubin.bench.imap.ImapTlsConnection.trustingContext();
        long t0 = System.nanoTime();
        long deadline = t0 + config.timeout().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < config.connections(); i++) {
            Thread t = new Thread(() -> connection(tls), "submit-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        boolean timedOut = false;
        for (Thread t : threads) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left > 0) {
                t.join(left);
            }
            if (t.isAlive()) {
                timedOut = true;
            }
        }
        if (timedOut) {
            stop = true;
            error("timed out after " + config.timeout().toSeconds() + " s");
        }
        long last = lastCompletion.get();
        long wall = (last == 0 ? System.nanoTime() : last) - t0;
        int sent = Math.min(nextMessage.get(), config.messages());
        return new LoadResult(t0, sent, accepted.get(), refused.get(), failed.get(), opened.get(), pipelining.get(),
                wall, latency, refusalCounts, firstError, timedOut);
    }

    private void connection(SSLContext tls) {
        boolean inTransaction = false;
        try (Socket plain = new Socket()) {
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress(config.host(), config.port()), 10_000);
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
            try (SSLSocket socket = (SSLSocket) tls.getSocketFactory()
                    .createSocket(plain, config.host(), config.port(), true)) {
                socket.startHandshake();
                opened.incrementAndGet();
                InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
                OutputStream out = socket.getOutputStream();
                expect(reply(in, null), 220, "greeting");
                send(out, "EHLO " + config.ehloName() + "\r\n");
                List<String> ehlo = new ArrayList<>();
                expect(reply(in, ehlo), 250, "EHLO");
                boolean pipelined = config.pipelining() && ehlo.stream().anyMatch(
                        l -> l.regionMatches(true, 0, "PIPELINING", 0, 10) && (l.length() == 10 || l.charAt(10) == ' '));
                if (pipelined) {
                    pipelining.incrementAndGet();
                }
                send(out, "AUTH PLAIN " + authPlain + "\r\n");
                expect(reply(in, null), 235, "AUTH PLAIN");
                byte[] mail = ascii("MAIL FROM:<" + config.from() + ">\r\n");
                byte[] data = ascii("DATA\r\n");
                while (!stop) {
                    int i = nextMessage.getAndIncrement();
                    if (i >= config.messages()) {
                        break;
                    }
                    inTransaction = true;
                    byte[] rcpt = ascii("RCPT TO:<" + config.recipient(i % config.users()) + ">\r\n");
                    long started = System.nanoTime();
                    int firstRefusal = 0;
                    if (pipelined) {
                        out.write(concat(mail, rcpt, data));
                        out.flush();
                        int m = reply(in, null);
                        int r = reply(in, null);
                        int d = reply(in, null);
                        firstRefusal = m != 250 ? m : r != 250 ? r : 0;
                        if (d != 354) {
                            refuse(firstRefusal != 0 ? firstRefusal : d);
                            inTransaction = false;
                            send(out, "RSET\r\n");
                            expect(reply(in, null), 250, "RSET");
                            continue;
                        }
                    } else {
                        int code;
                        if ((code = command(out, in, mail)) != 250 || (code = command(out, in, rcpt)) != 250
                                || (code = command(out, in, data)) != 354) {
                            refuse(code);
                            inTransaction = false;
                            send(out, "RSET\r\n");
                            expect(reply(in, null), 250, "RSET");
                            continue;
                        }
                    }
                    out.write(wire);
                    out.flush();
                    int end = reply(in, null);
                    long now = System.nanoTime();
                    lastCompletion.accumulateAndGet(now, Math::max);
                    inTransaction = false;
                    if (end / 100 == 2 && firstRefusal == 0) {
                        accepted.incrementAndGet();
                        synchronized (latency) {
                            latency.record(now - started);
                        }
                    } else {
                        refuse(end / 100 == 2 ? firstRefusal : end);
                    }
                }
                send(out, "QUIT\r\n");
                reply(in, null);
            }
        } catch (IOException | SmtpProtocolException e) {
            error(e.getClass().getSimpleName() + ": " + e.getMessage());
            if (inTransaction) {
                failed.incrementAndGet();
            }
        }
    }

    private void refuse(int code) {
        refused.incrementAndGet();
        synchronized (refusalCounts) {
            refusalCounts[code >= 0 && code < refusalCounts.length ? code : 0]++;
        }
        lastCompletion.accumulateAndGet(System.nanoTime(), Math::max);
    }

    private static int command(OutputStream out, InputStream in, byte[] command) throws IOException {
        out.write(command);
        out.flush();
        return reply(in, null);
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write(ascii(line));
        out.flush();
    }

    private static void expect(int code, int wanted, String what) {
        if (code != wanted) {
            throw new SmtpProtocolException(what + ": expected " + wanted + ", got " + code);
        }
    }

    /** Reads one (possibly multi-line) reply; its code. The text of each line goes to {@code text}. */
    private static int reply(InputStream in, List<String> text) throws IOException {
        while (true) {
            String line = line(in);
            if (line.length() < 3) {
                throw new SmtpProtocolException("malformed reply line: " + line);
            }
            int code;
            try {
                code = Integer.parseInt(line.substring(0, 3));
            } catch (NumberFormatException e) {
                throw new SmtpProtocolException("malformed reply line: " + line);
            }
            if (text != null && line.length() > 4) {
                text.add(line.substring(4));
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return code;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder(64);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int n = s.length();
                if (n > 0 && s.charAt(n - 1) == '\r') {
                    s.setLength(n - 1);
                }
                return s.toString();
            }
            if (s.length() > 4096) {
                throw new SmtpProtocolException("reply line over 4096 octets");
            }
            s.append((char) b);
        }
        throw new IOException("server closed the connection");
    }

    private void error(String message) {
        synchronized (this) {
            if (firstError == null) {
                firstError = message;
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
