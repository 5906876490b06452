package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.QuotaLimits;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.clamd.ClamdServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail authentication end to end: {@code yubin serve}'s wiring with mailauth on, SMTP on the MX port
 * from 127.0.0.1, SPF, DKIM and DMARC records served by a real BIND 9, a message signed by dkimpy
 * (Debian python3-dkim), delivery to the INBOX or Junk; and virus scanning by a real clamd (Debian
 * clamav-daemon, the EICAR test signature) on the same server. Without named, dkimpy or clamd the
 * test fails.
 */
class MailAuthEndToEndTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final String AUTHSERV_ID = "mx.example.test";
    private static final String SOA = Bind9Server.ZONE_HEAD;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static ClamdServer clamd;
    static EmbeddedServer server;
    static Path dkimKey;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        dkimKey = dir.resolve("dkim.pem");
        Files.writeString(dkimKey, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String publicKey = Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        // a 2048-bit key is longer than one TXT string (255 octets): the record is split in three
        String keyRecord = "\"v=DKIM1; k=rsa; \" \"p=" + publicKey.substring(0, 200) + "\" \""
                + publicKey.substring(200) + "\"";
        Path zones = Files.createDirectories(dir.resolve("named"));
        bind = new Bind9Server(zones, Map.of(
                // SPF passes for 127.0.0.1; DMARC reject
                "sender.test", SOA + """
                        @ IN TXT "v=spf1 ip4:127.0.0.1 -all"
                        _dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@sender.test"
                        """,
                // SPF fails for 127.0.0.1; DMARC reject
                "forged.test", SOA + """
                        @ IN TXT "v=spf1 ip4:192.0.2.1 -all"
                        _dmarc IN TXT "v=DMARC1; p=reject"
                        """,
                // SPF fails; DMARC quarantine, at the Organizational Domain only (From is a subdomain)
                "quarantine.test", SOA + """
                        @ IN TXT "v=spf1 -all"
                        news IN TXT "v=spf1 -all"
                        _dmarc IN TXT "v=DMARC1; p=reject; sp=quarantine"
                        """,
                // DKIM-signed author domain, DMARC reject; the envelope is another domain's
                "signed.test", SOA + "_dmarc IN TXT \"v=DMARC1; p=reject; adkim=r\"\n"
                        + "sel._domainkey IN TXT " + keyRecord + "\n",
                "bounces.test", SOA + "@ IN TXT \"v=spf1 ip4:127.0.0.1 -all\"\n",
                // a zone that fails to load: named answers SERVFAIL
                "broken.test", "garbage",
                // DNS lists for the spam filter: a client list that lists nobody here, a domain list
                // listing one domain and refusing (127.0.0.1) another
                "bl.test", SOA + "2.0.0.127 IN A 127.0.0.2\n",
                "dbl.test", SOA + "spammy.example IN A 127.0.1.2\nrefused.example IN A 127.0.0.1\n"));
        clamd = new ClamdServer(Files.createDirectories(dir.resolve("clamd")));
        Path data = Files.createDirectories(dir.resolve("data"));
        ServerConfig config = ConfigLoader.load(null, Map.ofEntries(
                Map.entry("YUBIN_DATA_DIR", data.toString()),
                Map.entry("YUBIN_ADMIN_PORT", "0"),
                Map.entry("YUBIN_SMTP_MX_PORT", String.valueOf(ServerProcess.freePort())),
                Map.entry("YUBIN_SMTP_SUBMISSION_PORT", "0"),
                Map.entry("YUBIN_SMTP_SUBMISSIONS_PORT", "0"),
                Map.entry("YUBIN_IMAP_PORT", "0"),
                Map.entry("YUBIN_IMAP_TLS_PORT", "0"),
                Map.entry("YUBIN_POP3_PORT", "0"),
                Map.entry("YUBIN_POP3_TLS_PORT", "0"),
                Map.entry("YUBIN_SMTP_HOSTNAME", AUTHSERV_ID),
                Map.entry("YUBIN_CLUSTER_NAME", "mailauth-e2e-" + ProcessHandle.current().pid()),
                Map.entry("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024"),
                Map.entry("YUBIN_PASSWORD_HASH_ITERATIONS", "1"),
                Map.entry("YUBIN_DNS_SERVERS", "127.0.0.1:" + bind.address().getPort()),
                Map.entry("YUBIN_MAILAUTH_ENABLED", "true"),
                Map.entry("YUBIN_SPAM_DNSBL_ZONES", "bl.test"),
                Map.entry("YUBIN_SPAM_URIBL_ZONES", "dbl.test"),
                Map.entry("YUBIN_VIRUS_CLAMD", "localhost:" + clamd.address().getPort())));
        server = EmbeddedServer.start(config);
        await(server.accounts().addDomain(Domain.parse("example.test")));
        await(server.accounts().addUser(ALICE, "correct horse battery".toCharArray(), QuotaLimits.NONE));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (bind != null) {
            bind.close();
        }
        if (clamd != null) {
            clamd.close();
        }
    }

    @Test
    void spfPassIsDeliveredToTheInboxWithAuthenticationResults() throws Exception {
        String reply = send("sender.test", "bob@sender.test", message("Bob <bob@sender.test>", "spf pass", ""));
        assertThat(reply).startsWith("250 ");

        String stored = awaitMessage(MailboxPath.INBOX, "spf pass");
        String results = ourResults(stored);
        assertThat(results).contains("spf=pass").contains("smtp.mailfrom=bob@sender.test")
                .contains("dkim=none").contains("dmarc=pass").contains("header.from=sender.test")
                .contains("policy.dmarc=none");
    }

    @Test
    void aVirusInAnAttachmentIsRefusedNamingItAndNothingIsDelivered() throws Exception {
        String infected = message("Bob <bob@sender.test>", "invoice attached", "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\r\n").replace("Hello Alice.\r\n",
                        "--b\r\nContent-Type: text/plain\r\n\r\nHello Alice.\r\n--b\r\nContent-Type: "
                        + "application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + Base64.getMimeEncoder().encodeToString(ClamdServer.eicar()) + "\r\n--b--\r\n");

        String reply = send("sender.test", "bob@sender.test", infected);

        assertThat(reply).isEqualTo("554 5.7.1 Message refused: a virus was found in it (" + ClamdServer.SIGNATURE
                + ")");
    }

    @Test
    void spfFailWithDmarcRejectIsRefusedAtTheEndOfData() throws Exception {
        String reply = send("forged.test", "ceo@forged.test", message("CEO <ceo@forged.test>", "wire money", ""));

        assertThat(reply).startsWith("550 5.7.1 ").contains("DMARC").contains("forged.test");
    }

    @Test
    void dkimSignedByDkimpyPassesDmarcThroughAlignment() throws Exception {
        byte[] signed = dkimpySign(message("News <news@signed.test>", "signed by dkimpy", ""));

        String reply = send("bounces.test", "bounce-123@bounces.test", new String(signed, StandardCharsets.UTF_8));

        assertThat(reply).startsWith("250 ");
        String results = ourResults(awaitMessage(MailboxPath.INBOX, "signed by dkimpy"));
        assertThat(results).contains("dkim=pass").contains("header.d=signed.test").contains("header.s=sel")
                .contains("header.b=").contains("dmarc=pass").contains("header.from=signed.test");
    }

    @Test
    void aTemporaryDnsErrorNeverRefusesAndIsRecorded() throws Exception {
        String reply = send("broken.test", "x@broken.test", message("X <x@broken.test>", "dns trouble", ""));

        assertThat(reply).startsWith("250 ");
        String results = ourResults(awaitMessage(MailboxPath.INBOX, "dns trouble"));
        assertThat(results).contains("spf=temperror").contains("dmarc=temperror").contains("policy.dmarc=none");
    }

    @Test
    void dmarcQuarantineLandsInJunkEvenAfterJunkWasDeleted() throws Exception {
        String first = send("quarantine.test", "news@news.quarantine.test",
                message("News <news@news.quarantine.test>", "quarantined one", ""));
        assertThat(first).startsWith("250 ");
        String stored = awaitMessage(MailboxPath.parse("Junk"), "quarantined one");
        assertThat(ourResults(stored)).contains("dmarc=fail").contains("policy.dmarc=quarantine")
                .contains("header.from=news.quarantine.test");
        assertThat(subjects(MailboxPath.INBOX)).doesNotContain("quarantined one");

        await(server.storage().mailboxes().delete(ALICE, MailboxPath.parse("Junk")));
        assertThat(send("quarantine.test", "news@news.quarantine.test",
                message("News <news@news.quarantine.test>", "quarantined two", ""))).startsWith("250 ");
        awaitMessage(MailboxPath.parse("Junk"), "quarantined two");
        assertThat(await(server.storage().mailboxes().find(ALICE, MailboxPath.parse("Junk"))).orElseThrow()
                .specialUse()).containsExactly(io.yubin.model.SpecialUse.JUNK);
    }

    @Test
    void forgedResultsWithOurAuthservIdAreRemovedAndOthersKept() throws Exception {
        String forged = "Authentication-Results: " + AUTHSERV_ID.toUpperCase() + ";\r\n\tspf=pass"
                + " smtp.mailfrom=x@y.test; dmarc=fail policy.dmarc=quarantine\r\n"
                + "Authentication-Results: other.example; spf=pass smtp.mailfrom=bob@sender.test\r\n";

        String reply = send("sender.test", "bob@sender.test", message("Bob <bob@sender.test>", "forged results", forged));

        assertThat(reply).startsWith("250 ");
        // delivered to the INBOX: the forged quarantine was not ours, and was dropped
        String stored = awaitMessage(MailboxPath.INBOX, "forged results");
        List<String> ours = new ArrayList<>();
        Matcher m = Pattern.compile("(?im)^Authentication-Results:\\s*([^;\\s]+)").matcher(stored);
        while (m.find()) {
            ours.add(m.group(1));
        }
        assertThat(ours).containsExactly(AUTHSERV_ID, "other.example");
        assertThat(stored).doesNotContain("x@y.test");
    }

    @Test
    void aUrlOnADomainListIsRecordedForTheSpamFilterAndAForgedRecordRemoved() throws Exception {
        String listed = message("Bob <bob@sender.test>", "listed link", "X-Spam-Lists: dnsbl=forged.example\r\n")
                .replace("Hello Alice.\r\n", "See http://www.spammy.example/buy and https://refused.example/x\r\n");
        String clean = message("Bob <bob@sender.test>", "clean link", "")
                .replace("Hello Alice.\r\n", "See https://refused.example/x\r\n");

        assertThat(send("sender.test", "bob@sender.test", listed)).startsWith("250 ");
        assertThat(send("sender.test", "bob@sender.test", clean)).startsWith("250 ");

        // the domain list names www.spammy.example's registered domain; the client list names nobody
        String stored = awaitMessage(MailboxPath.INBOX, "listed link");
        assertThat(Pattern.compile("(?im)^X-Spam-Lists:.*$").matcher(stored).results().map(MatchResult::group))
                .containsExactly("X-Spam-Lists: uribl=dbl.test");
        // 127.0.0.1 is a list refusing the query, not a listing
        assertThat(awaitMessage(MailboxPath.INBOX, "clean link")).doesNotContainIgnoringCase("X-Spam-Lists");
    }

    // --- helpers ---

    private static String message(String from, String subject, String extraHeaders) {
        return extraHeaders + "From: " + from + "\r\nTo: Alice <alice@example.test>\r\nSubject: " + subject
                + "\r\nDate: Sat, 5 Dec 2026 21:00:00 +0000\r\nMessage-ID: <" + subject.replace(' ', '.')
                + "@test>\r\n\r\nHello Alice.\r\n";
    }

    /** One SMTP transaction on the MX port; the reply to the end of DATA. */
    private static String send(String helo, String mailFrom, String message) throws Exception {
        int port = server.config().smtp().mxPort();
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", port))) {
            smtp.socket().setSoTimeout(60_000);
            assertThat(smtp.smtpReply()).startsWith("220");
            assertThat(smtp.smtp("EHLO " + helo)).startsWith("250");
            assertThat(smtp.smtp("MAIL FROM:<" + mailFrom + ">")).startsWith("250");
            assertThat(smtp.smtp("RCPT TO:<alice@example.test>")).startsWith("250");
            assertThat(smtp.smtp("DATA")).startsWith("354");
            byte[] data = (message.replace("\r\n.", "\r\n..") + ".\r\n").getBytes(StandardCharsets.UTF_8);
            smtp.write(data, 0, data.length);
            String reply = smtp.smtpReply();
            smtp.smtp("QUIT");
            return reply;
        }
    }

    /** The message with this subject in Alice's mailbox, once delivered. */
    private static String awaitMessage(MailboxPath path, String subject) {
        return new StoredMail(server, ALICE).awaitSubject(path, subject);
    }

    private static List<String> subjects(MailboxPath path) throws Exception {
        return messages(path).stream().map(t -> {
            Matcher m = Pattern.compile("(?m)^Subject: (.*)\r$").matcher(t);
            return m.find() ? m.group(1) : "";
        }).toList();
    }

    private static List<String> messages(MailboxPath path) throws Exception {
        return new StoredMail(server, ALICE).messages(path);
    }

    /** Our Authentication-Results field, unfolded; it must be the only one with our authserv-id. */
    private static String ourResults(String stored) {
        Matcher m = Pattern.compile("(?m)^Authentication-Results: " + Pattern.quote(AUTHSERV_ID)
                + ";(.*(?:\r\n[ \t].*)*)").matcher(stored);
        assertThat(m.find()).as("our Authentication-Results in\n%s", stored).isTrue();
        String value = m.group(1).replaceAll("\r\n[ \t]", " ");
        assertThat(m.find()).isFalse();
        return value;
    }

    /** Signs with dkimpy (Debian python3-dkim): d=signed.test, s=sel, rsa-sha256, relaxed/relaxed. */
    private static byte[] dkimpySign(String message) throws Exception {
        Path in = Files.writeString(dir.resolve("unsigned.eml"), message);
        // Debian's python3, which has python3-dkim (not one earlier on PATH)
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", """
                import sys, dkim
                msg = open(sys.argv[1], 'rb').read()
                key = open(sys.argv[2], 'rb').read()
                sig = dkim.sign(msg, b'sel', b'signed.test', key, canonicalize=(b'relaxed', b'relaxed'),
                                include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
                sys.stdout.buffer.write(sig + msg)
                """, in.toString(), dkimKey.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("dkimpy (python3-dkim, .ci/install-packages) signs").isZero();
        return out;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
