package io.yubin.mailauth.virus;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.testing.backends.FreePorts;
import io.yubin.testing.clamd.ClamdServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClamdScanner} against a real clamd (Debian clamav-daemon) with the EICAR test signature. */
class ClamdScannerTest {

    @TempDir
    static Path dir;

    private static ClamdServer clamd;
    private static ExecutorService blocking;
    private static ClamdScanner scanner;

    @BeforeAll
    static void start() throws Exception {
        clamd = new ClamdServer(dir);
        blocking = Executors.newFixedThreadPool(2);
        scanner = new ClamdScanner(new ClamdScanner.Settings(clamd.address(), Duration.ofSeconds(30), 25L << 20),
                blocking);
    }

    @AfterAll
    static void stop() {
        if (clamd != null) {
            clamd.close();
        }
        if (blocking != null) {
            blocking.shutdownNow();
        }
    }

    @Test
    void aCleanMessageIsClean() throws Exception {
        assertThat(scan(scanner, message("text/plain", "7bit", "Hello, nothing to see.\r\n".getBytes(
                StandardCharsets.US_ASCII)))).isEqualTo(ScanResult.clean());
    }

    @Test
    void theEicarFileInABase64AttachmentIsFoundAndNamed() throws Exception {
        ScanResult r = scan(scanner, message("application/octet-stream", "base64", base64(ClamdServer.eicar())));
        assertThat(r).isEqualTo(new ScanResult(ScanResult.Status.INFECTED, ClamdServer.SIGNATURE));
    }

    @Test
    void theEicarFileInsideAZipInsideAnAttachmentIsFound() throws Exception {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("readme.com"));
            z.write(ClamdServer.eicar());
            z.closeEntry();
        }
        ScanResult r = scan(scanner, message("application/zip", "base64", base64(zip.toByteArray())));
        assertThat(r).isEqualTo(new ScanResult(ScanResult.Status.INFECTED, ClamdServer.SIGNATURE));
    }

    @Test
    void aMessageOfSeveralChunksIsScannedWhole() throws Exception {
        // 300 KiB of text (five INSTREAM chunks) with the file at the end of the last part
        byte[] filler = "All work and no play makes Jack a dull boy.\r\n".repeat(7000).getBytes(StandardCharsets.US_ASCII);
        byte[] m = message("application/octet-stream", "base64", base64(ClamdServer.eicar()));
        byte[] whole = concat(("X-Filler: " + "a".repeat(60) + "\r\n").getBytes(StandardCharsets.US_ASCII),
                m, filler);
        assertThat(scan(scanner, whole).status()).isEqualTo(ScanResult.Status.INFECTED);
    }

    @Test
    void aMessageAboveTheLimitIsNotSentAndSaysSo() throws Exception {
        ClamdScanner small = new ClamdScanner(new ClamdScanner.Settings(clamd.address(), Duration.ofSeconds(30), 100),
                blocking);
        ScanResult r = scan(small, message("application/octet-stream", "base64", base64(ClamdServer.eicar())));
        assertThat(r.status()).isEqualTo(ScanResult.Status.SKIPPED);
        assertThat(r.detail()).contains("100 octets");
    }

    @Test
    void noClamdListeningIsAFailureNotAnException() throws Exception {
        ClamdScanner nowhere = new ClamdScanner(new ClamdScanner.Settings(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), FreePorts.belowEphemeralRange()), Duration.ofSeconds(5), 1 << 20),
                blocking);
        ScanResult r = scan(nowhere, message("text/plain", "7bit", "hi\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(r.status()).isEqualTo(ScanResult.Status.FAILED);
        assertThat(r.detail()).contains("clamd at");
    }

    @Test
    void clamdsRepliesAreRead() {
        assertThat(ClamdScanner.parse("stream: OK")).isEqualTo(ScanResult.clean());
        assertThat(ClamdScanner.parse("stream: Win.Test.EICAR_HDB-1 FOUND"))
                .isEqualTo(new ScanResult(ScanResult.Status.INFECTED, "Win.Test.EICAR_HDB-1"));
        assertThat(ClamdScanner.parse("INSTREAM size limit exceeded. ERROR").status())
                .isEqualTo(ScanResult.Status.FAILED);
        assertThat(ClamdScanner.parse("").status()).isEqualTo(ScanResult.Status.FAILED);
        assertThat(ClamdScanner.parse("FOUND").status()).isEqualTo(ScanResult.Status.FAILED);
    }

    private static ScanResult scan(ClamdScanner s, byte[] message) throws Exception {
        return s.scan(() -> new ByteArrayInputStream(message), message.length).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    }

    /** A multipart/mixed message: a text part, then the attachment. */
    static byte[] message(String type, String encoding, byte[] attachment) throws IOException {
        String head = "From: a@example.test\r\nTo: b@example.test\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
                + "See the attachment.\r\n--b1\r\nContent-Type: " + type + "\r\nContent-Disposition: attachment; "
                + "filename=\"file\"\r\nContent-Transfer-Encoding: " + encoding + "\r\n\r\n";
        return concat(head.getBytes(StandardCharsets.US_ASCII), attachment,
                "\r\n--b1--\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] base64(byte[] data) {
        return Base64.getMimeEncoder().encode(data);
    }

    private static byte[] concat(byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        return out.toByteArray();
    }
}
