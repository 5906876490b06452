package io.yubin.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A raw SMTP client for scripted tests: sends exact bytes, reads whole (multi-line) replies. */
final class SmtpTestClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private SmtpTestClient(Socket socket) throws IOException {
        use(socket);
    }

    static SmtpTestClient connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return new SmtpTestClient(s);
    }

    /** Connects with implicit TLS, trusting any certificate (the test's self-signed one). */
    static SmtpTestClient connectTls(int port) throws Exception {
        SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return new SmtpTestClient(s);
    }

    /** Connects after writing {@code preamble} (a PROXY protocol header). */
    static SmtpTestClient connect(int port, byte[] preamble) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(preamble);
        s.getOutputStream().flush();
        return new SmtpTestClient(s);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    static SSLContext trustAll() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("client certificates are not used");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // The test server's self-signed certificate is trusted on purpose.
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        return context;
    }

    /** Upgrades this connection to TLS (after a 220 to STARTTLS). */
    String startTls() throws Exception {
        SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        use(s);
        return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
    }

    void send(String text) throws IOException {
        sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one command line with CRLF and reads its reply. */
    String command(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /** One whole reply, lines joined with \n, without the final CRLF. */
    String reply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = line();
            if (line == null) {
                throw new IOException("connection closed after " + lines);
            }
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return String.join("\n", lines);
            }
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
            }
            if (prev == '\r' && b == '\n') {
                byte[] bytes = buf.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            buf.write(b);
            prev = b;
        }
    }

    /** True when the server closed the connection (reads EOF within the socket timeout). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    String ehlo() throws IOException {
        return command("EHLO client.example.net");
    }

    /** EHLO, STARTTLS, EHLO, AUTH PLAIN; returns the AUTH reply. */
    String tlsAndLogin(String user, String password) throws Exception {
        reply();
        ehlo();
        String ready = command("STARTTLS");
        if (!ready.startsWith("220")) {
            throw new IOException("STARTTLS refused: " + ready);
        }
        startTls();
        ehlo();
        return command("AUTH PLAIN " + plain(user, password));
    }

    static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
