package io.yubin.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A blocking line client for the protocol layer's tests: CRLF lines, STARTTLS, implicit TLS. */
final class TestClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private TestClient(Socket socket) throws IOException {
        use(socket);
    }

    static TestClient connect(int port) throws IOException {
        return new TestClient(new Socket("127.0.0.1", port));
    }

    static TestClient connectTls(int port) throws Exception {
        SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        return new TestClient(s);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout(10_000);
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** How long a read waits. */
    void readTimeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] octets) throws IOException {
        out.write(octets);
        out.flush();
    }

    String command(String line) throws IOException {
        send(line + "\r\n");
        return line();
    }

    /** One line without its CRLF; null at the end of the stream. */
    String line() throws IOException {
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

    /** After the server's go-ahead: the handshake over the same connection. */
    void startTls() throws Exception {
        SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        use(s);
    }

    /** Whether the server closed the connection (end of stream, or reset) within the read timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
