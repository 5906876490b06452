package io.yubin.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A line-level IMAP client for exact-response tests. Reads literals as part of their line. */
final class RawImapClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawImapClient(int port) throws IOException {
        use(new Socket("127.0.0.1", port));
    }

    RawImapClient(int port, SSLContext tls) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        use(s);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(10_000);
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One response line; a literal announced at its end is read and appended with its CRLF. */
    String line() throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (buffer.size() == 0) {
                    return null;
                }
                break;
            }
            buffer.write(b);
            byte[] sofar = buffer.toByteArray();
            int n = sofar.length;
            if (n >= 2 && sofar[n - 2] == '\r' && sofar[n - 1] == '\n') {
                String text = new String(sofar, 0, n - 2, StandardCharsets.UTF_8);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("~?\\{(\\d+)\\}$").matcher(text);
                if (m.find()) {
                    buffer.write(in.readNBytes(Integer.parseInt(m.group(1))));
                    continue;
                }
                return text;
            }
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** Sends a tagged command and returns every line up to and including the tagged completion. */
    List<String> command(String tag, String command) throws IOException {
        send(tag + " " + command + "\r\n");
        return until(tag);
    }

    List<String> until(String tag) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            if (l == null) {
                return lines;
            }
            lines.add(l);
            if (l.startsWith(tag + " ")) {
                return lines;
            }
        }
    }

    /** After {@code OK} to COMPRESS DEFLATE: raw deflate both ways, a sync flush per send (RFC 4978). */
    void compress() {
        out = new java.util.zip.DeflaterOutputStream(out, new java.util.zip.Deflater(6, true), true);
        in = new java.util.zip.InflaterInputStream(in, new java.util.zip.Inflater(true));
    }

    void startTls(SSLContext tls) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        use(s);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
