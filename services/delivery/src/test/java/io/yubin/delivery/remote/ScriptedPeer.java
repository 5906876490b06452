package io.yubin.delivery.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small SMTP server for client tests, on a loopback address, answering each command as the test's
 * script says: {@code script.apply(connection number from 1, command)} gives the reply (lines joined
 * with CRLF), or {@link #CLOSE} to drop the connection. {@code "<connect>"} asks for the greeting;
 * after a 354 to DATA the body is read to the end mark and {@code "<end of data>"} asks for the
 * reply; a BDAT chunk is read before its command is shown to the script. A 220 to STARTTLS is sent
 * and the connection dropped (this peer does no TLS: the client's handshake fails). Records every
 * command and every body (un-stuffed; BDAT chunks joined).
 */
public final class ScriptedPeer implements AutoCloseable {

    public static final String CLOSE = "<close>";

    /** A standard server announcing {@code extensions}: 250 to everything, 354 to DATA, 221 to QUIT. */
    public static BiFunction<Integer, String, String> standard(String... extensions) {
        return (connection, command) -> {
            String verb = command.split(" ", 2)[0].toUpperCase(java.util.Locale.ROOT);
            switch (verb) {
                case "<connect>":
                    return "220 peer.test ESMTP scripted";
                case "EHLO": {
                    StringBuilder reply = new StringBuilder("250");
                    reply.append(extensions.length == 0 ? " " : "-").append("peer.test hello");
                    for (int i = 0; i < extensions.length; i++) {
                        reply.append("\r\n250").append(i == extensions.length - 1 ? " " : "-").append(extensions[i]);
                    }
                    return reply.toString();
                }
                case "DATA":
                    return "354 go ahead";
                case "STARTTLS":
                    return "220 2.0.0 ready to start TLS";
                case "QUIT":
                    return "221 2.0.0 bye";
                case "BDAT":
                    return command.endsWith(" LAST") ? "250 2.0.0 queued as BDAT" : "250 2.0.0 chunk taken";
                case "<END":
                    return "250 2.0.0 queued as DATA";
                default:
                    return "250 2.0.0 ok";
            }
        };
    }

    private final ServerSocket server;
    private final BiFunction<Integer, String, String> script;
    private final SSLContext tls;
    private final AtomicInteger connections = new AtomicInteger();
    public final List<String> commands = new CopyOnWriteArrayList<>();
    public final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    final List<String> clientAddresses = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public ScriptedPeer(String address, int port, BiFunction<Integer, String, String> script) throws IOException {
        this(address, port, script, null);
    }

    /**
     * @param tls the server side of the TLS a 220 reply to STARTTLS starts; null for a peer whose
     *     STARTTLS meets a closed connection
     */
    public ScriptedPeer(String address, int port, BiFunction<Integer, String, String> script, SSLContext tls)
            throws IOException {
        this.tls = tls;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        this.script = script;
        this.acceptor = new Thread(this::accept, "scripted-peer-" + address);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                int n = connections.incrementAndGet();
                clientAddresses.add(socket.getInetAddress().getHostAddress());
                Thread session = new Thread(() -> serve(socket, n), "scripted-peer-session-" + n);
                session.setDaemon(true);
                session.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket plain, int n) {
        Socket socket = plain;
        try (plain) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            if (!reply(out, script.apply(n, "<connect>"))) {
                return;
            }
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            String line;
            while ((line = readLine(in)) != null) {
                commands.add(n + " " + line);
                String verb = line.split(" ", 2)[0].toUpperCase(java.util.Locale.ROOT);
                if (verb.equals("BDAT")) {
                    String[] words = line.split(" ");
                    chunks.write(in.readNBytes(Integer.parseInt(words[1])));
                    if (words.length > 2 && words[2].equals("LAST")) {
                        bodies.add(chunks.toByteArray());
                        chunks.reset();
                    }
                }
                String reply = script.apply(n, line);
                if (!reply(out, reply)) {
                    return;
                }
                if (verb.equals("STARTTLS") && reply.startsWith("220")) {
                    if (tls == null) {
                        return; // no TLS here: the client's handshake meets a closed connection
                    }
                    SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, true);
                    secured.setUseClientMode(false);
                    secured.startHandshake();
                    socket = secured;
                    in = secured.getInputStream();
                    out = secured.getOutputStream();
                    commands.add(n + " <tls>");
                    continue;
                }
                if (verb.equals("DATA") && reply.startsWith("354")) {
                    byte[] body = readData(in);
                    if (body == null) {
                        return; // the client went away before the end mark: no message
                    }
                    bodies.add(body);
                    commands.add(n + " <end of data>");
                    if (!reply(out, script.apply(n, "<end of data>"))) {
                        return;
                    }
                }
                if (verb.equals("QUIT")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static boolean reply(OutputStream out, String reply) throws IOException {
        if (reply.equals(CLOSE)) {
            return false;
        }
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
    }

    /** A line up to CRLF, without it; null at the end of input. */
    private static String readLine(InputStream in) throws IOException {
        byte[] line = readRawLine(in);
        return line == null ? null : new String(line, 0, line.length - 2, StandardCharsets.UTF_8);
    }

    private static byte[] readRawLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        int b;
        while ((b = in.read()) != -1) {
            line.write(b);
            if (b == '\n' && previous == '\r') {
                return line.toByteArray();
            }
            previous = b;
        }
        return null;
    }

    /**
     * RFC 5321 §4.5.2: the body up to CRLF "." CRLF, with one leading dot of each line removed; null
     * when the input ends before the end mark.
     */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] line;
        while ((line = readRawLine(in)) != null) {
            if (line.length == 3 && line[0] == '.') {
                break;
            }
            int from = line[0] == '.' ? 1 : 0;
            body.write(line, from, line.length - from);
        }
        return line == null ? null : body.toByteArray();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
