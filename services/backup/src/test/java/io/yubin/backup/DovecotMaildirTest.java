package io.yubin.backup;

import static io.yubin.backup.MailSystems.ALICE;
import static io.yubin.backup.MailSystems.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailboxPath;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration to and from the classic stack with a real Dovecot (Debian's dovecot-core: doveadm works on
 * the Maildir directly, no daemon): a Maildir that Dovecot wrote comes in with its UIDs, UIDVALIDITY,
 * flags, keywords and subscriptions, and Dovecot reads our export with our UIDs.
 */
class DovecotMaildirTest {

    @TempDir
    Path dir;

    private Storage storage;
    private Doveadm doveadm;

    @BeforeEach
    void setUp() throws Exception {
        Doveadm.require();
        storage = MailSystems.withNewUser(EmbeddedStorage.open(dir.resolve("data")), ALICE);
        doveadm = new Doveadm(Files.createDirectories(dir.resolve("dovecot")));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (storage != null) {
            storage.close();
        }
    }

    @Test
    void aMaildirDovecotWroteComesInWithItsUidsFlagsAndSubscriptions() throws Exception {
        doveadm.save("INBOX", "Subject: one\r\n\r\nfirst\r\n");
        doveadm.save("INBOX", "Subject: two\r\n\r\nsecond\r\n");
        doveadm.save("INBOX", "Subject: three\r\n\r\nthird\r\n");
        doveadm.run("mailbox", "create", "Archive/2025");
        doveadm.save("Archive/2025", "Subject: old\r\n\r\nold\r\n");
        doveadm.run("flags", "add", "\\Seen $Forwarded", "mailbox", "INBOX", "uid", "1");
        doveadm.run("flags", "add", "\\Flagged \\Answered", "mailbox", "INBOX", "uid", "3");
        doveadm.run("expunge", "mailbox", "INBOX", "uid", "2");
        doveadm.run("mailbox", "subscribe", "Archive/2025");
        Map<String, Long> inboxStatus = doveadm.status("INBOX");
        Map<String, Long> archiveStatus = doveadm.status("Archive/2025");

        Restorer.Result result = new MailboxFiles(storage, Clock.systemUTC()).importMaildir(ALICE, doveadm.maildir());

        assertThat(result.messagesKeptUid()).isEqualTo(3);
        Mailbox inbox = MailSystems.find(storage, ALICE, "INBOX");
        MailboxStatus status = await(storage.mailboxes().status(inbox.id()));
        assertThat(inbox.uidValidity()).isEqualTo(inboxStatus.get("uidvalidity"));
        assertThat(status.uidNext()).isEqualTo(inboxStatus.get("uidnext"));
        List<MessageRecord> messages = await(storage.mailboxes().messages(inbox.id(), UidSet.ALL));
        assertThat(messages).extracting(MessageRecord::uid).containsExactly(1L, 3L);
        assertThat(messages.get(0).flags().toStrings()).containsExactlyInAnyOrder("\\Seen", "$Forwarded");
        assertThat(messages.get(1).flags().toStrings()).containsExactlyInAnyOrder("\\Flagged", "\\Answered");
        try (InputStream in = await(storage.blobs().get(messages.get(1).blob().id()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("Subject: three\r\n\r\nthird\r\n");
        }
        Mailbox archive = MailSystems.find(storage, ALICE, "Archive/2025");
        assertThat(archive.uidValidity()).isEqualTo(archiveStatus.get("uidvalidity"));
        assertThat(await(storage.mailboxes().messages(archive.id(), UidSet.ALL))).extracting(MessageRecord::uid)
                .containsExactly(1L);
        assertThat(await(storage.mailboxes().subscriptions(ALICE))).contains(MailboxPath.parse("Archive/2025"));
    }

    @Test
    void dovecotReadsOurMaildirWithOurUids() throws Exception {
        Path data = dir.resolve("source");
        try (Storage source = EmbeddedStorage.open(data)) {
            MailSystems.populate(source);
            new MailboxFiles(source, Clock.systemUTC()).exportMaildir(ALICE, List.of(), doveadm.maildir());
            doveadm.handOver();
            for (String path : List.of("INBOX", "Projects/2026")) {
                Mailbox m = MailSystems.find(source, ALICE, path);
                Map<Long, Set<String>> ours = new LinkedHashMap<>();
                for (MessageRecord r : await(source.mailboxes().messages(m.id(), UidSet.ALL))) {
                    ours.put(r.uid(), new TreeSet<>(r.flags().toStrings()));
                }
                assertThat(doveadm.uidsAndFlags(path)).as(path).isEqualTo(ours);
                assertThat(doveadm.status(path).get("uidvalidity")).as(path).isEqualTo(m.uidValidity());
                assertThat(doveadm.status(path).get("uidnext")).as(path)
                        .isEqualTo(await(source.mailboxes().status(m.id())).uidNext());
            }
            assertThat(doveadm.run("mailbox", "list", "-s")).contains("Projects/2026");
        }
    }

    /** doveadm on a Maildir of its own, as the user nobody when the tests run as root. */
    static final class Doveadm {
        private static final Path DOVEADM = Path.of("/usr/bin/doveadm");
        private final Path home;
        private final Path config;
        private final boolean root;

        static void require() {
            if (!Files.isExecutable(DOVEADM)) {
                if ("true".equals(System.getenv("CI"))) {
                    throw new IllegalStateException("doveadm (Debian package dovecot-core) is missing: .ci/install-packages "
                            + "installs it");
                }
                Assumptions.abort("doveadm (dovecot-core) is not installed");
            }
        }

        Doveadm(Path home) throws Exception {
            this.home = home;
            this.root = "root".equals(System.getProperty("user.name"));
            String user = root ? "nobody" : System.getProperty("user.name");
            String group = root ? "nogroup" : user;
            Files.createDirectories(maildir());
            if (root) {
                // The test's temporary directory is root's alone; the mail user must pass through it.
                Files.setPosixFilePermissions(home.getParent(), java.nio.file.attribute.PosixFilePermissions
                        .fromString("rwx--x--x"));
            }
            config = Files.writeString(home.resolve("dovecot.conf"), String.join("\n",
                    "base_dir = " + home.resolve("run"),
                    "state_dir = " + home.resolve("state"),
                    "log_path = " + home.resolve("dovecot.log"),
                    "ssl = no",
                    "mail_location = maildir:" + maildir(),
                    "mail_uid = " + user,
                    "mail_gid = " + group,
                    "first_valid_uid = 0",
                    "first_valid_gid = 0",
                    "namespace inbox {",
                    "  inbox = yes",
                    "  separator = /",
                    "}", ""));
            handOver();
        }

        Path maildir() {
            return home.resolve("Maildir");
        }

        /** Gives the files to the mail user (when root), as Dovecot writes its indexes beside them. */
        void handOver() throws Exception {
            if (root) {
                exec(List.of("chown", "-R", "nobody:nogroup", home.toString()), null);
            }
        }

        String run(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(DOVEADM.toString(), "-c", config.toString()));
            command.addAll(List.of(args));
            return exec(command, null);
        }

        void save(String mailbox, String message) throws Exception {
            exec(List.of(DOVEADM.toString(), "-c", config.toString(), "save", "-m", mailbox), message);
        }

        Map<String, Long> status(String mailbox) throws Exception {
            Map<String, Long> out = new LinkedHashMap<>();
            // "INBOX uidnext=4 uidvalidity=1796565129"
            for (String field : run("mailbox", "status", "uidvalidity uidnext", mailbox).strip().split(" ")) {
                int eq = field.indexOf('=');
                if (eq > 0) {
                    out.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
                }
            }
            return out;
        }

        /** UID to flags (without \Recent, which is Dovecot's session state) from doveadm fetch. */
        Map<Long, Set<String>> uidsAndFlags(String mailbox) throws Exception {
            Map<Long, Set<String>> out = new LinkedHashMap<>();
            Long uid = null;
            for (String line : run("fetch", "uid flags", "mailbox", mailbox).lines().toList()) {
                if (line.startsWith("uid: ")) {
                    uid = Long.parseLong(line.substring(5).strip());
                } else if (line.startsWith("flags:") && uid != null) {
                    out.put(uid, Stream.of(line.substring(6).strip().split(" ")).filter(f -> !f.isEmpty())
                            .filter(f -> !f.equals("\\Recent")).collect(Collectors.toCollection(TreeSet::new)));
                }
            }
            return out;
        }

        private String exec(List<String> command, String input) throws Exception {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("HOME", home.toString());
            builder.environment().put("USER", System.getProperty("user.name"));
            Process p = builder.start();
            try (var in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.US_ASCII));
                }
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(command + ": " + output).isZero();
            return output;
        }
    }
}
