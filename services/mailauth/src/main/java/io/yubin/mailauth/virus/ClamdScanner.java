package io.yubin.mailauth.virus;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link VirusScanner} that streams the message to a ClamAV daemon with its INSTREAM command
 * (clamd(8)): {@code zINSTREAM\0}, then chunks each preceded by its length as a 4-octet big-endian
 * number, then a zero length; clamd answers {@code stream: OK}, {@code stream: <signature> FOUND}
 * or {@code ... ERROR}, ended by a NUL. One connection per message, on the blocking executor given.
 * clamd decodes MIME and unpacks archives itself, so the message is sent as received.
 */
public final class ClamdScanner implements VirusScanner {

    /**
     * @param address clamd's TCP address ({@code TCPAddr}/{@code TCPSocket} in clamd.conf)
     * @param timeout for connecting, and for each read and write
     * @param maxBytes larger messages are not sent (SKIPPED): clamd refuses a stream above its
     *     {@code StreamMaxLength} (25 MiB by default), so keep this at or below it
     */
    public record Settings(InetSocketAddress address, Duration timeout, long maxBytes) {
        public Settings {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ClamdScanner.class);
    private static final int CHUNK = 64 * 1024;
    private static final int MAX_REPLY = 4096;

    private final Settings settings;
    private final Executor blocking;

    public ClamdScanner(Settings settings, Executor blocking) {
        this.settings = Objects.requireNonNull(settings);
        this.blocking = Objects.requireNonNull(blocking);
    }

    @Override
    public CompletionStage<ScanResult> scan(Supplier<InputStream> message, long size) {
        if (size > settings.maxBytes()) {
            return CompletableFuture.completedFuture(new ScanResult(ScanResult.Status.SKIPPED,
                    "larger than " + settings.maxBytes() + " octets"));
        }
        return CompletableFuture.supplyAsync(() -> scanNow(message), blocking)
                .exceptionally(t -> new ScanResult(ScanResult.Status.FAILED, "clamd: " + t));
    }

    private ScanResult scanNow(Supplier<InputStream> message) {
        int timeout = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        try (Socket socket = new Socket()) {
            InetSocketAddress address = settings.address();
            // a name (clamd's Service in Kubernetes) is looked up at each connection
            socket.connect(address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort())
                    : address, timeout);
            socket.setSoTimeout(timeout);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), CHUNK + 4);
            IOException writing = null;
            try (InputStream in = message.get()) {
                out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[CHUNK];
                int n;
                while ((n = in.readNBytes(chunk, 0, CHUNK)) > 0) {
                    writeLength(out, n);
                    out.write(chunk, 0, n);
                }
                writeLength(out, 0);
                out.flush();
            } catch (IOException e) {
                // clamd closes the stream early on an error (a stream above its limit) and says why
                writing = e;
            }
            String reply = readReply(socket.getInputStream());
            if (reply.isEmpty() && writing != null) {
                throw writing;
            }
            return parse(reply);
        } catch (IOException e) {
            LOG.warn("clamd at {} could not scan a message: {}", settings.address(), e.toString());
            return new ScanResult(ScanResult.Status.FAILED, "clamd at " + settings.address() + ": " + e.getMessage());
        }
    }

    private static void writeLength(OutputStream out, int n) throws IOException {
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
    }

    private static String readReply(InputStream in) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) > 0 && reply.size() < MAX_REPLY) {
            reply.write(b);
        }
        return reply.toString(StandardCharsets.UTF_8).strip();
    }

    /** clamd's answer to INSTREAM: {@code stream: OK}, {@code stream: NAME FOUND}, or an error. */
    static ScanResult parse(String reply) {
        String r = reply.startsWith("stream: ") ? reply.substring("stream: ".length()) : reply;
        if (r.equals("OK")) {
            return ScanResult.clean();
        }
        if (r.endsWith(" FOUND") && reply.startsWith("stream: ")) {
            return new ScanResult(ScanResult.Status.INFECTED, r.substring(0, r.length() - " FOUND".length()).strip());
        }
        return new ScanResult(ScanResult.Status.FAILED, "clamd answered: " + (reply.isEmpty() ? "nothing" : reply));
    }
}
