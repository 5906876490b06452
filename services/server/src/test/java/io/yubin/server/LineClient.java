package io.yubin.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A line-oriented test client for SMTP and POP3 over a plain or TLS socket. */
final class LineClient implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    /** Reads time out after 10 s, so a hung server fails the test instead of hanging it. */
    LineClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
    }

    /** The socket underneath, e.g. to start TLS on it after STARTTLS. */
    Socket socket() {
        return socket;
    }

    /** Sends one line, CRLF added. */
    void send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Writes raw octets (a message body already dot-stuffed) and flushes. */
    void write(byte[] octets, int offset, int length) throws IOException {
        out.write(octets, offset, length);
        out.flush();
    }

    /** One line; IOException when the server closed the connection. */
    String line() throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("connection closed");
        }
        return line;
    }

    /** The last line of an SMTP reply, which may span several lines (RFC 5321 §4.2.1). */
    String smtpReply() throws IOException {
        String line;
        do {
            line = line();
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** Sends a line and returns the last line of the SMTP reply. */
    String smtp(String line) throws IOException {
        send(line);
        return smtpReply();
    }

    /** Sends an IMAP command that starts with its tag; the tagged reply, the untagged lines skipped. */
    String imap(String command) throws IOException {
        List<String> lines = imapLines(command);
        return lines.get(lines.size() - 1);
    }

    /** Sends an IMAP command that starts with its tag; every line of the answer, the tagged one last. */
    List<String> imapLines(String command) throws IOException {
        String tag = command.substring(0, command.indexOf(' '));
        send(command);
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = line();
            lines.add(line);
        } while (!line.startsWith(tag + " "));
        return lines;
    }

    /** Sends a line and returns the POP3 status line. */
    String pop3(String line) throws IOException {
        send(line);
        return line();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
