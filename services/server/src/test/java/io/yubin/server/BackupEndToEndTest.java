package io.yubin.server;

import static io.yubin.backup.MailSystems.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.backup.MailSystems;
import io.yubin.model.Flags;
import io.yubin.model.MailboxPath;
import io.yubin.server.cli.CliRun;
import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.Mailbox;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.s3proxy.S3Endpoint;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code yubin backup create|verify|restore} end to end: online on the embedded default while mail
 * arrives over SMTP, through an S3 archive on Cassandra + S3 and across backends, and a backup process
 * killed with SIGKILL half-way.
 */
@ExtendWith(SharedBackends.class)
class BackupEndToEndTest {

    @TempDir
    Path dir;

    private final CliRun yubin = new CliRun();

    private int run(String... args) {
        return yubin.run(args);
    }

    private Path config(String name, String yaml) throws Exception {
        return Files.writeString(dir.resolve(name + ".yaml"), "data-dir: " + dir.resolve(name) + "\n" + yaml);
    }

    private static ServerConfig load(Path config) {
        return ConfigLoader.load(config, Map.of());
    }

    @Test
    void theEmbeddedSystemIsBackedUpWhileItServesMailThenRestoredByteForByte() throws Exception {
        Path data = Files.createDirectories(dir.resolve("source"));
        try (Storage s = EmbeddedStorage.open(data)) {
            MailSystems.populate(s);
        }
        Path cli = config("source", "");
        ServerConfig serverConfig = TestServerConfig.load(data, "backup-e2e", Map.of(
                "YUBIN_SMTP_MX_PORT", String.valueOf(ServerProcess.freePort()),
                "YUBIN_DELIVERY_REMOTE_ENABLED", "false",
                // MailSystems' spam models are placeholder bytes, not models a filter could read.
                "YUBIN_SPAM_ENABLED", "false"));
        Path full = dir.resolve("full.tar.gz");
        Path incremental = dir.resolve("incremental.tar");
        MailSystems.Snapshot before;
        try (EmbeddedServer server = EmbeddedServer.start(serverConfig)) {
            assertThat(run("backup", "create", "--config", cli.toString(), full.toString())).as(yubin.err()).isZero();
            assertThat(yubin.out()).contains("full backup", "of all: 3 users, 19 mailboxes, 11 messages, 9 bodies");

            try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.config().smtp().mxPort()))) {
                smtp.socket().setSoTimeout(60_000);
                assertThat(smtp.smtpReply()).startsWith("220");
                assertThat(smtp.smtp("EHLO client.example")).startsWith("250");
                assertThat(smtp.smtp("MAIL FROM:<someone@elsewhere.example>")).startsWith("250");
                assertThat(smtp.smtp("RCPT TO:<alice@a.test>")).startsWith("250");
                assertThat(smtp.smtp("DATA")).startsWith("354");
                byte[] message = ("From: someone@elsewhere.example\r\nTo: alice@a.test\r\nSubject: during the backups"
                        + "\r\n\r\nhello\r\n.\r\n").getBytes(StandardCharsets.US_ASCII);
                smtp.write(message, 0, message.length);
                assertThat(smtp.smtpReply()).startsWith("250");
            }
            new StoredMail(server, ALICE).awaitSubject(MailboxPath.INBOX, "during the backups");

            assertThat(run("backup", "create", "--config", cli.toString(), "--since", full.toString(),
                    incremental.toString())).as(yubin.err()).isZero();
            assertThat(yubin.out()).contains("incremental backup", "1 bodies");
            before = MailSystems.snapshot(server.storage());
        }
        assertThat(Files.exists(dir.resolve("full.tar.gz.partial"))).isFalse();
        assertThat(run("backup", "verify", full.toString(), incremental.toString())).as(yubin.err()).isZero();
        assertThat(yubin.out()).contains(incremental + ": incremental backup", "all checksums good");
        // A name that exists is never overwritten.
        assertThat(run("backup", "create", "--config", cli.toString(), full.toString())).isEqualTo(1);
        assertThat(yubin.err()).contains("exists");

        Path target = config("target", "");
        assertThat(run("backup", "restore", "--config", target.toString(), full.toString(), incremental.toString()))
                .as(yubin.err()).isZero();
        assertThat(yubin.out()).contains("restored: 2 domains and 3 users added, 19 mailboxes created, "
                + "12 messages under their old UIDs, 0 as new messages");
        try (Storage restored = EmbeddedStorage.open(dir.resolve("target"))) {
            assertThat(MailSystems.snapshot(restored)).isEqualTo(before);
        }
    }

    @Test
    void cassandraAndS3GoThroughAnS3ArchiveAndOntoTheEmbeddedDefault() throws Exception {
        CassandraNode cassandra = SharedBackends.cassandra();
        S3Endpoint s3 = SharedBackends.s3();
        String s3Settings = "  s3:\n    endpoint: " + s3.endpoint() + "\n    region: " + s3.region()
                + "\n    access-key: " + s3.accessKey() + "\n    secret-key: " + s3.secretKey()
                + "\n    path-style: true\n    create-bucket: true\n";
        String cluster = "storage:\n  backend: cassandra\n  blobs: s3\n  cassandra:\n    contact-points: "
                + cassandra.host() + ":" + cassandra.nativePort() + "\n    local-datacenter: "
                + cassandra.localDatacenter() + "\n";
        Path source = config("source", cluster + "    keyspace: backup_source\n" + s3Settings
                + "    bucket: backup-source\n");
        Path target = config("target", cluster + "    keyspace: backup_target\n" + s3Settings
                + "    bucket: backup-target\n");
        MailSystems.Snapshot original;
        try (Storage s = StorageWiring.openForCommand(load(source))) {
            MailSystems.populate(s);
            original = MailSystems.snapshot(s);
        }
        String archive = "s3://backup-archives/2026/full.tar.gz";

        assertThat(run("backup", "create", "--config", source.toString(), archive)).as(yubin.err()).isZero();
        assertThat(run("backup", "restore", "--config", target.toString(), archive)).as(yubin.err()).isZero();
        try (Storage restored = StorageWiring.openForCommand(load(target))) {
            assertThat(MailSystems.snapshot(restored)).isEqualTo(original);
        }
        // The same archive onto the embedded default (a migration off the cluster), reading it from S3.
        Path embedded = config("embedded", "storage:\n" + s3Settings + "    bucket: unused\n");
        assertThat(run("backup", "restore", "--config", embedded.toString(), archive)).as(yubin.err()).isZero();
        try (Storage restored = EmbeddedStorage.open(dir.resolve("embedded"))) {
            assertThat(MailSystems.snapshot(restored)).isEqualTo(original);
        }
    }

    @Test
    void aBackupKilledHalfWayLeavesNoArchiveAndWhatItWroteIsRefused() throws Exception {
        Path data = Files.createDirectories(dir.resolve("source"));
        try (Storage s = EmbeddedStorage.open(data)) {
            MailSystems.populate(s);
            Mailbox inbox = MailSystems.find(s, ALICE, "INBOX");
            Random random = new Random(7);
            for (int i = 0; i < 60; i++) {
                byte[] body = new byte[1 << 20];
                random.nextBytes(body);
                MailSystems.append(s, inbox, body, Flags.NONE);
            }
        }
        Path cli = config("source", "");
        Path archive = dir.resolve("killed.tar.gz");
        Path partial = dir.resolve("killed.tar.gz.partial");
        Process backup = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Yubin.class.getName(), "backup", "create",
                "--config", cli.toString(), archive.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("backup.log").toFile()).start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> Files.exists(partial) && Files.size(partial) > (4 << 20) || !backup.isAlive());
            assertThat(backup.isAlive()).as("the backup was still writing").isTrue();
            backup.destroyForcibly(); // SIGKILL
            assertThat(backup.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            backup.destroyForcibly();
        }

        assertThat(archive).doesNotExist();
        assertThat(run("backup", "verify", partial.toString())).isEqualTo(1);
        assertThat(yubin.err()).contains("archive refused");
        Path target = config("target", "");
        assertThat(run("backup", "restore", "--config", target.toString(), partial.toString())).isEqualTo(1);
        assertThat(yubin.err()).contains("restore failed");
        try (Storage restored = EmbeddedStorage.open(dir.resolve("target"))) {
            assertThat(MailSystems.snapshot(restored).domains()).isEmpty();
        }
        // The same backup, run to its end, restores.
        assertThat(run("backup", "create", "--config", cli.toString(), archive.toString())).as(yubin.err()).isZero();
        assertThat(run("backup", "restore", "--config", target.toString(), archive.toString())).as(yubin.err())
                .isZero();
        try (Storage source = EmbeddedStorage.open(data); Storage restored = EmbeddedStorage.open(dir.resolve("target"))) {
            assertThat(MailSystems.snapshot(restored)).isEqualTo(MailSystems.snapshot(source));
        }
    }

    @Test
    void aUsersMailboxesGoOutAsMaildirAndComeBackInThroughTheCli() throws Exception {
        try (Storage s = EmbeddedStorage.open(Files.createDirectories(dir.resolve("source")))) {
            MailSystems.populate(s);
        }
        try (Storage s = EmbeddedStorage.open(Files.createDirectories(dir.resolve("target")))) {
            MailSystems.withNewUser(s, ALICE);
        }
        Path maildir = dir.resolve("alice-maildir");

        assertThat(run("mailbox", "export", "--config", config("source", "").toString(), "--user", "alice@a.test",
                "--format", "maildir", maildir.toString())).as(yubin.err()).isZero();
        assertThat(yubin.out()).contains("alice@a.test: 7 mailboxes, 9 messages written to " + maildir);
        assertThat(run("mailbox", "import", "--config", config("target", "").toString(), "--user", "alice@a.test",
                "--format", "maildir", maildir.toString())).as(yubin.err()).isZero();
        assertThat(yubin.out()).contains("alice@a.test: 1 mailboxes created, 9 messages under their old UIDs");
        try (Storage source = EmbeddedStorage.open(dir.resolve("source"));
                Storage target = EmbeddedStorage.open(dir.resolve("target"))) {
            assertThat(MailSystems.snapshot(target).mailboxes().get("alice@a.test"))
                    .isEqualTo(MailSystems.snapshot(source).mailboxes().get("alice@a.test"));
        }
        assertThat(run("mailbox", "import", "--config", config("target", "").toString(), "--user", "alice@a.test",
                "--format", "pst", maildir.toString())).isEqualTo(2);
        assertThat(run("mailbox", "import", "--config", config("target", "").toString(), "--user", "nobody@a.test",
                "--format", "mbox", maildir.toString())).isEqualTo(1);
        assertThat(yubin.err()).contains("import failed: no user nobody@a.test");
    }
}
