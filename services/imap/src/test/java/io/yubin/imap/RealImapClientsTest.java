package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.SystemFlag;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's IMAP clients against the server: mbsync (isync) syncing a mailbox both ways with flags,
 * and fetchmail fetching and deleting over IMAP. Installed by .ci/install-packages; missing is a
 * failure, never a skip.
 */
class RealImapClientsTest {

    private static final List<String> MESSAGES = List.of(
            "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: Bob <bob@example.org>\r\nTo: alice@example.test\r\n"
                    + "Subject: first\r\nMessage-ID: <1@example.org>\r\n\r\nHello Alice,\r\n.\r\nBye\r\n",
            "From: carol@example.org\r\nTo: alice@example.test\r\nSubject: =?UTF-8?B?5L2g5aW9?=\r\n"
                    + "Message-ID: <2@example.org>\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\n郵便 ünïcödé body\r\n");

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private ImapHarness imap;
    private MailAddress alice;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false);
        alice = imap.addUser("alice");
        for (String m : MESSAGES) {
            imap.deliver(alice, m);
        }
    }

    @AfterEach
    void stop() throws Exception {
        imap.close();
    }

    @Test
    void mbsyncSyncsMessagesAndFlagsBothWays() throws Exception {
        Path mbsync = tool("mbsync");
        Path near = Files.createDirectories(dir.resolve("mail"));
        Path rc = dir.resolve("mbsyncrc");
        Files.writeString(rc, "IMAPAccount yubin\n"
                + "Host localhost\n"
                + "Port " + imap.server.actualTlsPort() + "\n"
                + "User alice@example.test\n"
                + "Pass \"" + ImapHarness.PASSWORD + "\"\n"
                + "SSLType IMAPS\n"
                + "CertificateFile " + imap.certificate.certificatePath() + "\n"
                + "\nIMAPStore far\nAccount yubin\n"
                + "\nMaildirStore near\nPath " + near + "/\nInbox " + near + "/INBOX\n"
                + "\nChannel sync\nFar :far:\nNear :near:\nPatterns INBOX\nCreate Both\nExpunge Both\n"
                + "SyncState *\nSync All\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));

        run(List.of(mbsync.toString(), "-V", "-c", rc.toString(), "-a"));
        List<Path> local = files(near.resolve("INBOX"));
        assertThat(local).hasSize(2);
        // mbsync stores LF line ends and adds its own X-TUID tracking header; otherwise the same octets.
        assertThat(local.stream().map(p -> read(p).replaceAll("(?m)^X-TUID: .*\n", "")).toList())
                .containsExactlyInAnyOrderElementsOf(
                MESSAGES.stream().map(m -> m.replace("\r\n", "\n")).toList());

        // Near: flag the first message seen and flagged, and write a new one; far: answer the second.
        Path first = local.stream().filter(p -> read(p).contains("Subject: first")).findFirst().orElseThrow();
        Path cur = Files.createDirectories(near.resolve("INBOX").resolve("cur"));
        String base = first.getFileName().toString().replaceAll(":2,.*$", "");
        Files.move(first, cur.resolve(base + ":2,FS"));
        Files.writeString(near.resolve("INBOX").resolve("new").resolve("1700000000.local.test"),
                "From: alice@example.test\nTo: bob@example.org\nSubject: from near\n\nwritten locally\n",
                StandardCharsets.UTF_8);
        MessageRecord second = records().stream().filter(r -> r.uid() == 2).findFirst().orElseThrow();
        ImapHarness.await(imap.storage.mailboxes().updateFlags(imap.mailbox(alice, "INBOX").id(),
                UidSet.single(second.uid()), io.yubin.store.MailboxStore.FlagOperation.ADD,
                Flags.of(SystemFlag.ANSWERED), -1));

        run(List.of(mbsync.toString(), "-V", "-c", rc.toString(), "-a"));
        List<MessageRecord> far = records();
        assertThat(far).hasSize(3);
        assertThat(far.get(0).flags()).isEqualTo(Flags.of(SystemFlag.SEEN, SystemFlag.FLAGGED));
        assertThat(body(far.get(2))).contains("Subject: from near").contains("written locally");
        assertThat(files(near.resolve("INBOX")).stream().map(p -> p.getFileName().toString()))
                .anySatisfy(name -> assertThat(name).endsWith(":2,R"));
    }

    @Test
    void fetchmailFetchesAndDeletesOverImapWithTls() throws Exception {
        Path fetchmail = tool("fetchmail");
        Path out = Files.createDirectories(dir.resolve("fetched"));
        Path rc = dir.resolve("fetchmailrc");
        Files.writeString(rc, "set no syslog\n"
                + "set invisible\n"
                + "poll 127.0.0.1 service " + imap.server.actualTlsPort() + " protocol imap auth password timeout 30\n"
                + "  user \"alice@example.test\" there with password \"" + ImapHarness.PASSWORD + "\" is \""
                + System.getProperty("user.name") + "\" here\n"
                + "  ssl sslproto \"TLS1.2+\" sslcertfile \"" + imap.certificate.certificatePath() + "\" no sslcertck\n"
                + "  fetchall no keep no rewrite no stripcr no forcecr no mimedecode no dropstatus no dropdelivered\n"
                + "  mda \"/bin/sh -c 'cat > " + out + "/msg.$$'\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        run(List.of(fetchmail.toString(), "-f", rc.toString(), "--pidfile", dir.resolve("fetchmail.pid").toString(),
                "-v", "--nosyslog"), Map.of("FETCHMAILHOME", dir.toString()));
        List<String> fetched = new ArrayList<>();
        for (Path p : files(out)) {
            fetched.add(read(p));
        }
        assertThat(fetched).containsExactlyInAnyOrderElementsOf(MESSAGES);
        assertThat(records()).isEmpty();
    }

    private List<MessageRecord> records() throws Exception {
        return ImapHarness.await(imap.storage.mailboxes().messages(imap.mailbox(alice, "INBOX").id(), UidSet.ALL));
    }

    private String body(MessageRecord m) throws Exception {
        try (InputStream in = ImapHarness.await(imap.storage.blobs().get(m.blob().id()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted()
                    .toList();
        }
    }

    private static Path tool(String name) {
        for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(name + " is not installed; run .ci/install-packages (CI=" + System.getenv("CI") + ")");
    }

    private void run(List<String> command) throws Exception {
        run(command, Map.of());
    }

    private void run(List<String> command, Map<String, String> environment) throws Exception {
        Path log = dir.resolve("client.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("HOME", dir.toString());
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command.get(0) + " did not finish:\n" + Files.readString(log));
        }
        assertThat(process.exitValue()).as(command.get(0) + " exit status; output:\n" + Files.readString(log))
                .isZero();
    }
}
