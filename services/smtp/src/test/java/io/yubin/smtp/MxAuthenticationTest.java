package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.mailauth.dkim.ArcVerifier;
import io.yubin.mailauth.dkim.DkimVerifier;
import io.yubin.mailauth.dkim.DnsKeyLookup;
import io.yubin.mailauth.dmarc.DmarcVerifier;
import io.yubin.mailauth.dmarc.OrganizationalDomains;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.mailauth.spf.SpfVerifier;
import io.yubin.store.SpoolEntry;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail authentication in the SMTP session, over a real BIND 9, with the blocked-thread watch on:
 * SPF runs from MAIL FROM without holding the event loop, a DMARC reject is refused at the end of
 * data with nothing spooled, the Authentication-Results field follows Return-Path, submission is
 * not checked but loses forged fields all the same.
 */
@ExtendWith(BlockedThreadWatch.class)
class MxAuthenticationTest {

    private static final String SOA = Bind9Server.ZONE_HEAD;

    @TempDir
    static Path named;
    static LocalDns localDns;
    static InboundAuthenticator authenticator;

    @TempDir
    Path dir;
    TestServer t;

    @BeforeAll
    static void startDns() throws Exception {
        localDns = new LocalDns(named, Map.of(
                "pass.test", SOA + "@ IN TXT \"v=spf1 ip4:127.0.0.1 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n"
                        + "helo IN TXT \"v=spf1 ip4:127.0.0.1 -all\"\n",
                "fail.test", SOA + "@ IN TXT \"v=spf1 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n"));
        ExecutorService executor = localDns.executor;
        StubResolver dns = localDns.resolver;
        Path psl = Path.of("/usr/share/publicsuffix/public_suffix_list.dat");
        assertThat(Files.isRegularFile(psl)).as("publicsuffix is installed (.ci/install-packages)").isTrue();
        DnsKeyLookup keys = new DnsKeyLookup(dns, Duration.ofSeconds(10));
        authenticator = new InboundAuthenticator(new SpfVerifier(dns, Clock.systemUTC(), SpfVerifier.Settings.DEFAULT),
                new DkimVerifier(keys, executor, Clock.systemUTC(), DkimVerifier.Limits.DEFAULT),
                new ArcVerifier(keys, executor),
                new DmarcVerifier(dns, OrganizationalDomains.load(psl), () -> 0, Duration.ofSeconds(10)), executor,
                new InboundAuthenticator.Settings("mx.example.org", Duration.ofSeconds(30)));
    }

    @AfterAll
    static void stopDns() throws Exception {
        localDns.close();
    }

    @BeforeEach
    void start() throws Exception {
        t = new TestServer(dir, SmtpLimits.defaults(), false, authenticator);
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    private String send(SmtpTestClient c, String helo, String mailFrom, String message) throws Exception {
        assertThat(c.command("EHLO " + helo)).startsWith("250");
        assertThat(c.command("MAIL FROM:<" + mailFrom + ">")).startsWith("250");
        assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
        assertThat(c.command("DATA")).startsWith("354");
        return c.command(message + ".");
    }

    @Test
    void aPassingMessageIsSpooledWithOurResultsAfterReturnPath() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            String reply = send(c, "client.pass.test", "a@pass.test", "From: a@pass.test\r\nSubject: hi\r\n\r\nbody\r\n");

            assertThat(reply).startsWith("250 2.0.0 OK: queued as ");
        }
        String body = t.body(t.spooled().get(0));
        assertThat(body).startsWith("Return-Path: <a@pass.test>\r\nAuthentication-Results: mx.example.org;\r\n"
                + "\tspf=pass smtp.mailfrom=a@pass.test;\r\n"
                // RFC 7208 §2.3: the HELO identity checked beside the MAIL FROM one
                + "\tspf=none reason=\"no SPF record at client.pass.test\" smtp.helo=client.pass.test;\r\n"
                + "\tdkim=none;\r\n\tarc=none;\r\n\tdmarc=pass")
                .contains("header.from=pass.test policy.dmarc=none\r\nReceived: from client.pass.test");
    }

    @Test
    void aDmarcRejectIsRefusedAtTheEndOfDataAndNothingIsSpooled() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            String reply = send(c, "client.fail.test", "a@fail.test", "From: a@fail.test\r\nSubject: hi\r\n\r\nbody\r\n");

            assertThat(reply).isEqualTo("550 5.7.1 Message rejected: it fails the DMARC policy of fail.test"
                    + " (no aligned SPF or DKIM pass), which asks to reject it");
            // the session goes on
            assertThat(c.command("NOOP")).startsWith("250");
        }
        assertThat(t.spooled()).isEmpty();
        assertThat(t.queue.ids).isEmpty();
    }

    @Test
    void aNullSenderIsCheckedByItsHeloName() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            String reply = send(c, "helo.pass.test", "", "From: mailer-daemon@pass.test\r\nSubject: bounce\r\n\r\nx\r\n");

            assertThat(reply).startsWith("250 ");
        }
        assertThat(t.body(t.spooled().get(0))).contains("\tspf=pass smtp.helo=helo.pass.test;")
                .contains("dmarc=pass");
    }

    @Test
    void submissionIsNotCheckedButLosesFieldsThatClaimOurAuthservId() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(c.tlsAndLogin("alice@example.org", TestServer.PASSWORD)).startsWith("235");
            String reply = send(c, "client.example.net", "alice@example.org",
                    "Authentication-Results: mx.example.org; dmarc=pass\r\n"
                            + "Authentication-Results: elsewhere.example; dmarc=pass\r\n"
                            + "From: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n");

            assertThat(reply).startsWith("250 ");
        }
        SpoolEntry entry = t.spooled().get(0);
        String body = t.body(entry);
        assertThat(body).doesNotContain("Authentication-Results: mx.example.org")
                .contains("Authentication-Results: elsewhere.example; dmarc=pass\r\nFrom: alice@example.org");
    }
}
