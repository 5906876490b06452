package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.virus.ClamdScanner;
import io.yubin.store.SpoolEntry;
import io.yubin.testing.backends.FreePorts;
import io.yubin.testing.clamd.ClamdServer;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Virus scanning at the end of DATA against a real clamd (Debian clamav-daemon, the EICAR test
 * signature), with the blocked-thread watch on: a virus is refused with 554 5.7.1 naming it and
 * nothing is spooled, on the MX and on submission; a clean message is spooled as it came; a scanner
 * that cannot answer refuses for now (451 4.7.1) or, failing open, tags the message.
 */
@ExtendWith(BlockedThreadWatch.class)
class VirusScanningTest {

    @TempDir
    static Path clamdDir;
    static ClamdServer clamd;
    static ExecutorService blocking;

    @TempDir
    Path dir;

    @BeforeAll
    static void startClamd() throws Exception {
        clamd = new ClamdServer(clamdDir);
        blocking = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stopClamd() {
        blocking.shutdownNow();
        clamd.close();
    }

    private static VirusScanning scanning(InetSocketAddress clamdAddress, boolean failOpen) {
        return new VirusScanning(new ClamdScanner(new ClamdScanner.Settings(clamdAddress, Duration.ofSeconds(10),
                25L << 20), blocking), failOpen);
    }

    private static String send(SmtpTestClient c, String message) throws Exception {
        return send(c, "someone@example.net", message);
    }

    private static String send(SmtpTestClient c, String sender, String message) throws Exception {
        assertThat(c.command("MAIL FROM:<" + sender + ">")).startsWith("250");
        assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
        assertThat(c.command("DATA")).startsWith("354");
        return c.command(message + ".");
    }

    private static String withAttachment(String type, byte[] content) {
        return "From: someone@example.net\r\nTo: bob@example.org\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n--xyz\r\nContent-Type: text/plain\r\n\r\n"
                + "Please find it attached.\r\n--xyz\r\nContent-Type: " + type + "\r\nContent-Disposition: "
                + "attachment; filename=\"invoice\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(content) + "\r\n--xyz--\r\n";
    }

    private static byte[] zipped(byte[] content) throws Exception {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("invoice.com"));
            z.write(content);
            z.closeEntry();
        }
        return zip.toByteArray();
    }

    @Test
    void aVirusOnTheMxIsRefusedWithItsNameAndNothingIsSpooledWhileACleanMessageGoesThroughUntouched()
            throws Exception {
        try (TestServer t = new TestServer(dir, scanning(clamd.address(), false));
                SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            assertThat(c.command("EHLO client.example.net")).startsWith("250");

            assertThat(send(c, withAttachment("application/octet-stream", ClamdServer.eicar())))
                    .isEqualTo("554 5.7.1 Message refused: a virus was found in it (" + ClamdServer.SIGNATURE + ")");
            assertThat(send(c, withAttachment("application/zip", zipped(ClamdServer.eicar()))))
                    .startsWith("554 5.7.1 ");
            assertThat(t.spooled()).isEmpty();
            assertThat(t.queue.ids).isEmpty();

            String clean = withAttachment("application/pdf", "%PDF-1.4 harmless".getBytes(StandardCharsets.US_ASCII));
            assertThat(send(c, clean)).startsWith("250 2.0.0 ");
            assertThat(c.command("NOOP")).startsWith("250");
            SpoolEntry entry = t.spooled().get(0);
            assertThat(t.body(entry)).endsWith(clean).doesNotContain("X-Virus-Status");
        }
    }

    @Test
    void aVirusStatusFieldTheSenderWroteIsRemovedSoThatItCannotPassForOurs() throws Exception {
        try (TestServer t = new TestServer(dir, scanning(clamd.address(), false));
                SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            assertThat(c.command("EHLO client.example.net")).startsWith("250");
            String forged = "X-Virus-Status: Clean\r\nFrom: someone@example.net\r\nx-virus-status: scanned, clean\r\n"
                    + "\tby av.example.org\r\nSubject: trust me\r\n\r\nX-Virus-Status: in the body stays\r\n";

            assertThat(send(c, forged)).startsWith("250 2.0.0 ");

            assertThat(c.command("NOOP")).startsWith("250");
            String body = t.body(t.spooled().get(0));
            assertThat(body).endsWith("From: someone@example.net\r\nSubject: trust me\r\n\r\n"
                    + "X-Virus-Status: in the body stays\r\n").doesNotContain("Clean", "av.example.org");
        }
    }

    @Test
    void aVirusFromAnAuthenticatedUserIsRefusedToo() throws Exception {
        try (TestServer t = new TestServer(dir, scanning(clamd.address(), false));
                SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(c.tlsAndLogin("alice@example.org", TestServer.PASSWORD)).startsWith("235");
            assertThat(send(c, "alice@example.org", withAttachment("application/octet-stream", ClamdServer.eicar())))
                    .startsWith("554 5.7.1 Message refused: a virus was found");
            assertThat(t.spooled()).isEmpty();
        }
    }

    @Test
    void withTheScannerDownAMessageIsRefusedForNowOrFailingOpenAcceptedAndTagged() throws Exception {
        InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                FreePorts.belowEphemeralRange());
        String message = "From: someone@example.net\r\nSubject: hi\r\n\r\nhello\r\n";
        try (TestServer t = new TestServer(dir.resolve("closed"), scanning(nowhere, false));
                SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            assertThat(c.command("EHLO client.example.net")).startsWith("250");
            assertThat(send(c, message)).isEqualTo("451 4.7.1 Message not accepted for now: the virus scanner is "
                    + "unavailable, try again later");
            assertThat(t.spooled()).isEmpty();
        }
        try (TestServer t = new TestServer(dir.resolve("open"), scanning(nowhere, true));
                SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            assertThat(c.command("EHLO client.example.net")).startsWith("250");
            assertThat(send(c, message)).startsWith("250 2.0.0 ");
            String body = t.body(t.spooled().get(0));
            assertThat(body).contains("X-Virus-Status: Unscanned (not scanned, the scanner failed) by mx.example.org\r\n")
                    .endsWith(message);
        }
    }
}
