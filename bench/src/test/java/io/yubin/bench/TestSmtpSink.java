package io.yubin.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny SMTP server on 127.0.0.1, port 0, one thread per connection, for the end-to-end test of
 * the generator: it keeps every message it accepts (dot-unstuffed) with its recipient, and refuses
 * the recipients it is told to refuse with 550.
 */
final class TestSmtpSink implements AutoCloseable {

    record Received(String recipient, byte[] message) {
    }

    private final ServerSocket server;
    private final boolean pipelining;
    private final Set<String> refusedRecipients;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> sessions = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

    TestSmtpSink(boolean pipelining, Set<String> refusedRecipients) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.pipelining = pipelining;
        this.refusedRecipients = refusedRecipients;
        this.acceptor = new Thread(this::acceptLoop, "test-sink-accept");
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setSoTimeout(10_000);
                sockets.add(socket);
                Thread t = new Thread(() -> session(socket), "test-sink-session");
                sessions.add(t);
                t.start();
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                errors.add("accept: " + e);
            }
        }
    }

    private void session(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream()) {
            reply(out, "220 sink.test ESMTP");
            String recipient = null;
            boolean mail = false;
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    errors.add("client closed without QUIT");
                    return;
                }
                String upper = line.toUpperCase(java.util.Locale.ROOT);
                if (upper.startsWith("EHLO ")) {
                    reply(out, pipelining ? "250-sink.test\r\n250-PIPELINING\r\n250 8BITMIME" : "250-sink.test\r\n250 8BITMIME");
                } else if (upper.startsWith("MAIL FROM:<")) {
                    mail = true;
                    reply(out, "250 2.1.0 Ok");
                } else if (upper.startsWith("RCPT TO:<") && mail) {
                    String address = line.substring(9, line.length() - 1);
                    if (refusedRecipients.contains(address)) {
                        reply(out, "550 5.1.1 no such user");
                    } else {
                        recipient = address;
                        reply(out, "250 2.1.5 Ok");
                    }
                } else if (upper.equals("DATA")) {
                    if (recipient == null) {
                        reply(out, "554 5.5.1 no valid recipients");
                        continue;
                    }
                    reply(out, "354 End data with <CR><LF>.<CR><LF>");
                    received.add(new Received(recipient, readData(in)));
                    reply(out, "250 2.0.0 Ok: queued");
                    recipient = null;
                    mail = false;
                } else if (upper.equals("RSET")) {
                    recipient = null;
                    mail = false;
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else {
                    reply(out, "503 5.5.1 bad sequence: " + line);
                }
            }
        } catch (IOException e) {
            errors.add("session: " + e);
        }
    }

    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                throw new IOException("end of stream in DATA");
            }
            if (line.equals(".")) {
                return message.toByteArray();
            }
            message.writeBytes(((line.startsWith(".") ? line.substring(1) : line) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** One CRLF-terminated line without its CRLF, or null at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (b == '\n' && previous == '\r') {
                line.setLength(line.length() - 1);
                return line.toString();
            }
            if (line.length() > 1000) {
                throw new IOException("line too long");
            }
            line.append((char) b);
            previous = b;
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        acceptor.join(5_000);
        for (Thread t : sessions) {
            t.join(5_000);
        }
    }
}
