package io.yubin.bench.imap;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A blocking IMAP connection over implicit TLS (RFC 8314) to 127.0.0.1, and nothing else: the
 * servers measured run on this machine with self-signed certificates, which it does not check.
 * Reads whole responses, literals included, bounded in line length, literal size and time.
 */
public final class ImapTlsConnection implements AutoCloseable {

    static final int MAX_LINE = 1 << 20;
    static final int MAX_LITERAL = 64 << 20;
    static final int MAX_LITERALS_PER_RESPONSE = 10_000;

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;

    private ImapTlsConnection(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    /** A TLS context that accepts any certificate: loopback benchmarks against self-signed servers only. */
    public static SSLContext trustingContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connects to 127.0.0.1:port and completes the TLS handshake, within timeoutMillis each. */
    static ImapTlsConnection open(SSLContext tls, int port, int timeoutMillis) throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress(LOOPBACK, port), timeoutMillis);
            plain.setSoTimeout(timeoutMillis);
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", port, true);
            s.startHandshake();
            return new ImapTlsConnection(s);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    String protocol() {
        return socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite();
    }

    void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] octets) throws IOException {
        out.write(octets);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Reads one response; fails when it is not complete by deadlineNanos (System.nanoTime()). */
    RawResponse read(long deadlineNanos) throws IOException {
        List<String> lines = new ArrayList<>(1);
        List<byte[]> literals = new ArrayList<>(0);
        while (true) {
            String line = line(deadlineNanos);
            lines.add(line);
            int length = literalLength(line);
            if (length < 0) {
                return new RawResponse(lines, literals);
            }
            if (length > MAX_LITERAL || literals.size() == MAX_LITERALS_PER_RESPONSE) {
                throw new IOException("literal too large or too many: " + line);
            }
            literals.add(octets(length, deadlineNanos));
        }
    }

    /** n when the line ends with {n}, otherwise -1. */
    static int literalLength(String line) {
        if (!line.endsWith("}")) {
            return -1;
        }
        int open = line.lastIndexOf('{');
        if (open < 0 || open == line.length() - 2) {
            return -1;
        }
        long n = 0;
        for (int i = open + 1; i < line.length() - 1; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9' || n > Integer.MAX_VALUE) {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }

    /** A line up to CRLF, without it (ISO-8859-1: one char per octet). */
    private String line(long deadlineNanos) throws IOException {
        ByteArrayOutputStream partial = null;
        while (true) {
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    int end = i;
                    String text;
                    if (partial == null) {
                        text = new String(buffer, position, end - position, StandardCharsets.ISO_8859_1);
                    } else {
                        partial.write(buffer, position, end - position);
                        text = partial.toString(StandardCharsets.ISO_8859_1);
                    }
                    position = i + 1;
                    if (!text.endsWith("\r")) {
                        throw new IOException("line without CR before LF: " + text);
                    }
                    return text.substring(0, text.length() - 1);
                }
            }
            if (partial == null) {
                partial = new ByteArrayOutputStream(2 * (limit - position) + 16);
            }
            partial.write(buffer, position, limit - position);
            if (partial.size() > MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " octets");
            }
            position = 0;
            limit = 0;
            fill(deadlineNanos);
        }
    }

    private byte[] octets(int n, long deadlineNanos) throws IOException {
        byte[] octets = new byte[n];
        int have = Math.min(n, limit - position);
        System.arraycopy(buffer, position, octets, 0, have);
        position += have;
        while (have < n) {
            checkDeadline(deadlineNanos);
            int r;
            try {
                r = in.read(octets, have, n - have);
            } catch (SocketTimeoutException e) {
                throw new IOException("no data within the socket timeout", e);
            }
            if (r < 0) {
                throw new EOFException("connection closed in a literal");
            }
            have += r;
        }
        return octets;
    }

    private void fill(long deadlineNanos) throws IOException {
        checkDeadline(deadlineNanos);
        int r;
        try {
            r = in.read(buffer, 0, buffer.length);
        } catch (SocketTimeoutException e) {
            throw new IOException("no data within the socket timeout", e);
        }
        if (r < 0) {
            throw new EOFException("connection closed");
        }
        limit = r;
    }

    private static void checkDeadline(long deadlineNanos) throws IOException {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new IOException("response not complete within the command timeout");
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
