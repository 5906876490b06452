package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.server.config.ServerConfig;
import io.yubin.smtp.SmtpServer;
import io.yubin.store.MessageRecord;
import io.yubin.store.QuotaLimits;
import io.yubin.store.UidSet;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DKIM signing at submission, end to end: messages submitted over SMTP AUTH on the submissions port
 * of the embedded server, delivered into a local INBOX, and the stored octets checked by an
 * independent verifier, dkimpy (Debian python3-dkim), which gets the public keys through its
 * dnsfunc hook.
 */
class DkimSubmissionTest {

    private static final String PASSWORD = "a long secret phrase";
    private static final KeyPair RSA = generate("RSA", 2048);
    private static final KeyPair ED25519 = generate("Ed25519", 0);

    /** dkimpy: a JSON request on stdin ({records, message}), one word per DKIM-Signature on stdout. */
    private static final String VERIFY_SCRIPT = """
            import base64, json, sys
            import dkim
            request = json.load(sys.stdin)
            records = request["records"]
            def dnsfunc(name, timeout=5):
                text = records.get(name.decode("ascii").rstrip("."))
                return text.encode("ascii") if text is not None else None
            message = base64.b64decode(request["message"])
            checker = dkim.DKIM(message)
            count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
            for index in range(count):
                try:
                    print("pass" if checker.verify(idx=index, dnsfunc=dnsfunc) else "fail")
                except Exception as e:
                    print("error %s" % e)
            """;

    @TempDir
    Path dataDir;

    @TempDir
    Path work;

    private static Path python;
    private EmbeddedServer server;

    @BeforeAll
    static void findDkimpy() throws Exception {
        Path candidate = Path.of("/usr/bin/python3");
        if (Files.isExecutable(candidate)) {
            Process probe = new ProcessBuilder(candidate.toString(), "-c", "import dkim, nacl")
                    .redirectErrorStream(true).start();
            if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                python = candidate;
                return;
            }
        }
        fail("python3-dkim is not installed; run .ci/install-packages (CI=" + System.getenv("CI") + ")");
    }

    @BeforeEach
    void start() throws Exception {
        Path keys = work.resolve("keys");
        policies = Files.createDirectories(work.resolve("mta-sts"));
        Files.writeString(policies.resolve("example.test.txt"), MTA_STS_POLICY);
        Files.createDirectories(keys.resolve("example.test"));
        Files.writeString(keys.resolve("example.test/rsa2026.key"), pem(RSA));
        Files.writeString(keys.resolve("example.test/ed2026.key"), pem(ED25519));
        ServerConfig config = TestServerConfig.load(dataDir, "dkim-submission", Map.ofEntries(
                Map.entry("YUBIN_TLS_HOSTNAME", "mail.example.test"),
                Map.entry("YUBIN_DELIVERY_WORKERS", "2"),
                Map.entry("YUBIN_DKIM_KEYS_DIRECTORY", keys.toString()),
                // What the operator also publishes for a domain: its MTA-STS policy, served here.
                Map.entry("YUBIN_MTA_STS_ENABLED", "true"),
                Map.entry("YUBIN_MTA_STS_PORT", "0"),
                Map.entry("YUBIN_MTA_STS_POLICIES_DIRECTORY", policies.toString())));
        server = EmbeddedServer.start(config);
        for (String domain : List.of("example.test", "other.test")) {
            await(server.accounts().addDomain(Domain.parse(domain)));
        }
        for (String user : List.of("alice@example.test", "bob@example.test", "carol@other.test")) {
            await(server.accounts().addUser(MailAddress.parse(user), PASSWORD.toCharArray(), QuotaLimits.NONE));
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static final String MTA_STS_POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 86400\r\n";
    private Path policies;

    @Test
    void theDomainsMtaStsPolicyIsServedOverHttps() throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory()
                .createSocket("127.0.0.1", server.mtaStsPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("mta-sts.example.test")));
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write(("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Type: text/plain; charset=utf-8")
                    .endsWith("\r\n\r\n" + MTA_STS_POLICY);
        }
    }

    @Test
    void submittedMailIsSignedWithBothKeysAndVerifiesInDkimpyWithAnEightBitBodyAndLongLines() throws Exception {
        // No Message-ID and no Date: the server adds both, and they must be covered.
        String message = "From: Alice <alice@example.test>\r\n"
                + "To: Bob <bob@example.test>\r\n"
                + "Subject: Lunch on Friday\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Gr\u00fc\u00dfe aus K\u00f6ln, \u65e5\u672c\u8a9e \u2603\r\n"
                + "x".repeat(998) + "\r\n"
                + "0123456789 ".repeat(90) + "\r\n"
                + ".a line that starts with a dot\r\n"
                + "trailing white space  \t \r\n"
                + "\r\n\r\n";
        submit("alice@example.test", "alice@example.test", "bob@example.test", message);

        byte[] stored = onlyMessage("bob@example.test");
        String text = new String(stored, StandardCharsets.UTF_8);
        List<String> signatures = fields(text, "DKIM-Signature");
        assertThat(signatures).hasSize(2);
        assertThat(signatures).anySatisfy(s -> assertThat(s).contains("a=rsa-sha256;").contains("s=rsa2026;"));
        assertThat(signatures).anySatisfy(s -> assertThat(s).contains("a=ed25519-sha256;").contains("s=ed2026;"));
        for (String signature : signatures) {
            assertThat(signature).contains("d=example.test;").contains("c=relaxed/relaxed;");
            List<String> signed = signedHeaders(signature);
            // Oversigned: one more than present, so no second copy can be added.
            for (String name : List.of("from", "subject", "date", "to", "message-id", "mime-version",
                    "content-type", "content-transfer-encoding")) {
                assertThat(signed).as(name).filteredOn(name::equals).hasSize(2);
            }
            assertThat(signed).as("absent, oversigned once").filteredOn("cc"::equals).hasSize(1);
        }
        assertThat(fields(text, "Message-ID")).hasSize(1);
        assertThat(fields(text, "Date")).hasSize(1);
        assertThat(text).endsWith(message);

        assertThat(dkimpy(stored)).containsExactly("pass", "pass");

        // The verifier does check: the same octets with one body byte changed fail both.
        byte[] tampered = text.replace("aus K\u00f6ln", "aus Bonn").getBytes(StandardCharsets.UTF_8);
        assertThat(dkimpy(tampered)).hasSize(2).allSatisfy(r -> assertThat(r).isNotEqualTo("pass"));
    }

    @Test
    void mailIsNotSignedForADomainWithoutKeysNorAsADomainTheSenderDoesNotOwnNorWhenNotSubmitted() throws Exception {
        submit("carol@other.test", "carol@other.test", "bob@example.test",
                "From: carol@other.test\r\nTo: bob@example.test\r\nSubject: no keys\r\n\r\nhello\r\n");
        // carol may not have mail signed as example.test, whose keys exist.
        submit("carol@other.test", "carol@other.test", "bob@example.test",
                "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: not hers\r\n\r\nhello\r\n");
        // Unauthenticated mail on the MX port is never signed, whatever its From says.
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.smtpPort(SmtpServer.Mode.MX)))) {
            assertThat(smtp.line()).startsWith("220 ");
            assertThat(smtp.smtp("EHLO client.test")).startsWith("250 ");
            assertThat(smtp.smtp("MAIL FROM:<someone@remote.test>")).startsWith("250 ");
            assertThat(smtp.smtp("RCPT TO:<bob@example.test>")).startsWith("250 ");
            assertThat(smtp.smtp("DATA")).startsWith("354 ");
            assertThat(smtp.smtp("From: alice@example.test\r\nSubject: inbound\r\n\r\nhello\r\n."))
                    .startsWith("250 2.0.0");
        }

        List<byte[]> messages = messages("bob@example.test", 3);
        assertThat(messages).hasSize(3).allSatisfy(m ->
                assertThat(fields(new String(m, StandardCharsets.UTF_8), "DKIM-Signature")).isEmpty());
    }

    @Test
    void aKeyAddedWhileTheServerRunsIsUsedWithinSecondsWithoutARestart() throws Exception {
        String message = "From: carol@other.test\r\nTo: bob@example.test\r\nSubject: rotated\r\n\r\nhello\r\n";
        submit("carol@other.test", "carol@other.test", "bob@example.test", message);
        assertThat(fields(new String(onlyMessage("bob@example.test"), StandardCharsets.UTF_8), "DKIM-Signature"))
                .isEmpty();

        // As a Kubernetes Secret update does: the file appears by a rename into the directory.
        Path domain = Files.createDirectories(work.resolve("keys/other.test"));
        Path temporary = Files.writeString(work.resolve("ed1.key.tmp"), pem(ED25519));
        Files.move(temporary, domain.resolve("ed1.key"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        // The directory is looked at again 5 s after its last look: submit until a message is signed.
        int[] sent = {1};
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            submit("carol@other.test", "carol@other.test", "bob@example.test", message);
            sent[0]++;
            List<byte[]> all = messages("bob@example.test", sent[0]);
            return !fields(new String(all.get(all.size() - 1), StandardCharsets.UTF_8), "DKIM-Signature").isEmpty();
        });
        List<byte[]> all = messages("bob@example.test", sent[0]);
        byte[] signed = all.get(all.size() - 1);
        assertThat(fields(new String(signed, StandardCharsets.UTF_8), "DKIM-Signature")).singleElement()
                .satisfies(f -> assertThat(f).contains("d=other.test;", "s=ed1;", "a=ed25519-sha256;"));
        assertThat(dkimpy(signed)).containsExactly("pass");
    }

    /** One message over implicit TLS with AUTH PLAIN; 8BITMIME declared. */
    private void submit(String user, String from, String to, String message) throws Exception {
        try (LineClient smtp = new LineClient(tls(server.smtpPort(SmtpServer.Mode.SUBMISSIONS)))) {
            assertThat(smtp.line()).startsWith("220 ");
            assertThat(smtp.smtp("EHLO client.test")).startsWith("250 ");
            assertThat(smtp.smtp("AUTH PLAIN " + Base64.getEncoder().encodeToString(
                    ("\0" + user + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8)))).startsWith("235 ");
            assertThat(smtp.smtp("MAIL FROM:<" + from + "> BODY=8BITMIME")).startsWith("250 ");
            assertThat(smtp.smtp("RCPT TO:<" + to + ">")).startsWith("250 ");
            assertThat(smtp.smtp("DATA")).startsWith("354 ");
            String stuffed = message.replace("\r\n.", "\r\n..");
            assertThat(smtp.smtp(stuffed + ".")).startsWith("250 2.0.0");
            smtp.smtp("QUIT");
        }
    }

    private byte[] onlyMessage(String user) throws Exception {
        return messages(user, 1).get(0);
    }

    /** The octets of the INBOX's messages, once it holds {@code count}. */
    private List<byte[]> messages(String user, int count) throws Exception {
        MailAddress address = MailAddress.parse(user);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> inbox(address).size() >= count);
        List<byte[]> out = new ArrayList<>();
        for (MessageRecord record : inbox(address)) {
            try (InputStream in = await(server.storage().blobs().get(record.blob().id()))) {
                out.add(in.readAllBytes());
            }
        }
        return out;
    }

    private List<MessageRecord> inbox(MailAddress user) throws Exception {
        var inbox = await(server.storage().mailboxes().find(user, MailboxPath.INBOX));
        return inbox.isEmpty() ? List.of() : await(server.storage().mailboxes().messages(inbox.get().id(), UidSet.ALL));
    }

    /** dkimpy's verdict per DKIM-Signature, in order. */
    private List<String> dkimpy(byte[] message) throws Exception {
        Path script = work.resolve("verify.py");
        Files.writeString(script, VERIFY_SCRIPT);
        String request = "{\"records\":{"
                + "\"rsa2026._domainkey.example.test\":\"v=DKIM1; k=rsa; p=" + publicKey(RSA) + "\","
                + "\"ed2026._domainkey.example.test\":\"v=DKIM1; k=ed25519; p=" + publicKey(ED25519) + "\","
                + "\"ed1._domainkey.other.test\":\"v=DKIM1; k=ed25519; p=" + publicKey(ED25519) + "\"},"
                + "\"message\":\"" + Base64.getEncoder().encodeToString(message) + "\"}";
        Path input = work.resolve("request.json");
        Files.writeString(input, request);
        Path output = work.resolve("answer.txt");
        Process process = new ProcessBuilder(python.toString(), script.toString()).redirectInput(input.toFile())
                .redirectOutput(output.toFile()).redirectError(work.resolve("errors.txt").toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("dkimpy finished").isTrue();
        assertThat(process.exitValue()).as(Files.readString(work.resolve("errors.txt"))).isZero();
        return Files.readAllLines(output);
    }

    /** Every field of that name, unfolded, value only. */
    private static List<String> fields(String message, String name) {
        String header = message.substring(0, message.indexOf("\r\n\r\n") + 2);
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ":(.*(?:\r\n[ \t].*)*)\r\n").matcher(header);
        while (m.find()) {
            out.add(m.group(1).replaceAll("\r\n", "").strip());
        }
        return out;
    }

    /** The h= tag's names, lower case, in order. */
    private static List<String> signedHeaders(String signature) {
        Matcher m = Pattern.compile("(?:^|;)\\s*h=([^;]*)").matcher(signature);
        assertThat(m.find()).as("h= in " + signature).isTrue();
        return Arrays.stream(m.group(1).replaceAll("\\s", "").toLowerCase().split(":")).toList();
    }

    private Socket tls(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream pem = Files.newInputStream(dataDir.resolve("tls/cert.pem"))) {
            trust.setCertificateEntry("yubin", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context.getSocketFactory().createSocket("127.0.0.1", port);
    }

    private static KeyPair generate(String algorithm, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (bits > 0) {
                generator.initialize(bits);
            }
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PKCS#8 PEM, the key file format. */
    private static String pem(KeyPair pair) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    /** p=: SubjectPublicKeyInfo for RSA, the raw 32 octets for Ed25519 (RFC 8463 §4). */
    private static String publicKey(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        boolean ed = pair.getPublic().getAlgorithm().startsWith("Ed");
        return Base64.getEncoder().encodeToString(ed ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
