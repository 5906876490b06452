package io.yubin.pop3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A POP3 client that sends exactly the octets a test gives it and reads answers octet by octet. */
final class RawPop3Client implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private RawPop3Client(Socket socket) throws IOException {
        use(socket);
    }

    static RawPop3Client connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return new RawPop3Client(socket);
    }

    static RawPop3Client connectTls(int port, SSLContext tls) throws IOException {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return new RawPop3Client(socket);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** Sends the text as it is (the caller writes the CRLFs). */
    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] octets) throws IOException {
        out.write(octets);
        out.flush();
    }

    /** Sends a command with CRLF and returns the first line of the answer. */
    String command(String command) throws IOException {
        send(command + "\r\n");
        return line();
    }

    /** One line without its CRLF; fails on a bare LF or the end of the stream. */
    String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + line.toString(StandardCharsets.UTF_8));
            }
            if (b == '\n') {
                byte[] octets = line.toByteArray();
                if (octets.length == 0 || octets[octets.length - 1] != '\r') {
                    throw new IOException("line without CRLF: " + line.toString(StandardCharsets.UTF_8));
                }
                return new String(octets, 0, octets.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    /** The lines of a multi-line answer after its status line, up to the "." line, not unstuffed. */
    List<String> lines() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line = line(); !line.equals("."); line = line()) {
            lines.add(line);
        }
        return lines;
    }

    /** The octets of a multi-line answer after its status line, through the terminating ".CRLF". */
    byte[] rawBody() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int state = 2; // 0: in a line, 1: saw CR, 2: at a line start, 3: line start then ".", 4: ".CR"
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside a multi-line answer");
            }
            body.write(b);
            state = switch (state) {
                case 1 -> b == '\n' ? 2 : b == '\r' ? 1 : 0;
                case 2 -> b == '.' ? 3 : b == '\r' ? 1 : 0;
                case 3 -> b == '\r' ? 4 : 0;
                case 4 -> b == '\n' ? 5 : 0;
                default -> b == '\r' ? 1 : 0;
            };
            if (state == 5) {
                return body.toByteArray();
            }
        }
    }

    /** RFC 1939 §3 in reverse: drops the terminator and one "." from lines starting with "..". */
    static byte[] unstuff(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < raw.length - 3; i++) {
            byte b = raw[i];
            if (lineStart && b == '.') {
                lineStart = false;
                continue;
            }
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    /** Switches this connection to TLS after an STLS +OK. */
    void startTls(SSLContext tls) throws IOException {
        SSLSocket upgraded = (SSLSocket) tls.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        upgraded.setUseClientMode(true);
        upgraded.setSoTimeout(10_000);
        upgraded.startHandshake();
        use(upgraded);
    }

    /** Whether the server closes the connection within the timeout, with nothing more said. */
    boolean closedByServer(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // A reset is a close too.
            return e.getMessage() != null && e.getMessage().toLowerCase().contains("reset");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
