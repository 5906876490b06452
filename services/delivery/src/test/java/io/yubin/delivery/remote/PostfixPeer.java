package io.yubin.delivery.remote;

import static org.junit.jupiter.api.Assertions.fail;

import io.yubin.testing.backends.Processes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real remote MX for tests: Debian's Postfix with its own configuration and queue in a fresh
 * directory, listening on {@code address:port} (loopback only), with STARTTLS (a self-signed
 * certificate made here with openssl), receiving mail for {@code domain} into one Maildir per user
 * that the test reads; unknown users are refused at RCPT. The master runs in the foreground as a
 * child of the test. Needs root (Postfix switches users), postfix and openssl; missing, the test
 * fails, it never skips.
 */
final class PostfixPeer implements AutoCloseable {

    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final Path MASTER = Path.of("/usr/lib/postfix/sbin/master");
    /** nobody: the owner of the Maildirs (virtual(8) delivers as this uid). */
    private static final int MAIL_UID = 65534;

    /** The client address that Postfix does not offer 8BITMIME. */
    static final String NO_8BITMIME_CLIENT = "127.0.0.9";

    private final Path dir;
    private final String domain;
    private final Process master;

    PostfixPeer(String address, int port, String domain, List<String> users) throws IOException, InterruptedException {
        this(address, port, domain, users, null, null);
    }

    /** With the certificate chain and key of these PEM files; null for a self-signed one made here. */
    PostfixPeer(String address, int port, String domain, List<String> users, Path certPem, Path keyPem)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(POSTFIX) || !Files.isExecutable(MASTER)) {
            fail("Postfix is missing: install postfix (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        this.domain = domain;
        // Postfix's daemons run as the postfix user and need to reach their queue under this directory.
        dir = Files.createTempDirectory("yubin-postfix-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path mail = Files.createDirectories(dir.resolve("mail"));
        Files.setAttribute(mail, "unix:uid", MAIL_UID);
        Files.setAttribute(mail, "unix:gid", MAIL_UID);
        Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        run(List.of("chown", "postfix", data.toString()));
        if (certPem != null) {
            Files.copy(certPem, dir.resolve("cert.pem"));
            Files.copy(keyPem, dir.resolve("key.pem"));
        } else {
            run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", "/CN=mx." + domain, "-keyout", dir.resolve("key.pem").toString(),
                    "-out", dir.resolve("cert.pem").toString()));
        }
        StringBuilder mailboxes = new StringBuilder();
        for (String user : users) {
            mailboxes.append(user).append('@').append(domain).append(' ').append(domain).append('/').append(user)
                    .append("/\n");
        }
        Files.writeString(dir.resolve("vmailbox"), mailboxes);
        Files.writeString(dir.resolve("main.cf"), """
                compatibility_level = 3.6
                queue_directory = %1$s/queue
                data_directory = %1$s/data
                mail_owner = postfix
                setgid_group = postdrop
                maillog_file = %1$s/postfix.log
                maillog_file_prefixes = %1$s
                myhostname = mx.%2$s
                mydomain = %2$s
                mydestination =
                # Postfix takes only interface addresses here; the listener's own address is in master.cf.
                inet_interfaces = 127.0.0.1
                proxy_interfaces = %3$s
                inet_protocols = ipv4
                mynetworks = 127.0.0.0/8
                smtpd_banner = $myhostname ESMTP Postfix (yubin test peer)
                biff = no
                smtp_dns_support_level = disabled
                alias_maps =
                alias_database =
                local_recipient_maps =
                virtual_mailbox_domains = %2$s
                virtual_mailbox_base = %1$s/mail
                virtual_mailbox_maps = texthash:%1$s/vmailbox
                virtual_uid_maps = static:%4$d
                virtual_gid_maps = static:%4$d
                smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
                smtpd_recipient_restrictions = reject_unlisted_recipient
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = %1$s/cert.pem
                smtpd_tls_key_file = %1$s/key.pem
                smtpd_tls_received_header = yes
                smtputf8_enable = yes
                message_size_limit = 10240000
                smtpd_discard_ehlo_keyword_address_maps = cidr:%1$s/discard.cidr
                """.formatted(dir, domain, address, MAIL_UID));
        // A client connecting from 127.0.0.9 is not offered 8BITMIME: how a server without it looks.
        Files.writeString(dir.resolve("discard.cidr"), NO_8BITMIME_CLIENT + "/32 8bitmime\n");
        Files.writeString(dir.resolve("master.cf"), """
                %s:%d inet n - n - - smtpd
                pickup    unix  n - n 60 1 pickup
                cleanup   unix  n - n - 0 cleanup
                qmgr      unix  n - n 300 1 qmgr
                tlsmgr    unix  - - n 1000? 1 tlsmgr
                rewrite   unix  - - n - - trivial-rewrite
                bounce    unix  - - n - 0 bounce
                defer     unix  - - n - 0 bounce
                trace     unix  - - n - 0 bounce
                verify    unix  - - n - 1 verify
                flush     unix  n - n 1000? 0 flush
                proxymap  unix  - - n - - proxymap
                proxywrite unix - - n - 1 proxymap
                smtp      unix  - - n - - smtp
                relay     unix  - - n - - smtp
                showq     unix  n - n - - showq
                error     unix  - - n - - error
                retry     unix  - - n - - error
                discard   unix  - - n - - discard
                virtual   unix  - n n - - virtual
                anvil     unix  - - n - 1 anvil
                scache    unix  - - n - 1 scache
                postlog   unix-dgram n - n - 1 postlogd
                """.formatted(address, port));
        // "postfix check" creates the queue directories with their owners and modes.
        run(List.of(POSTFIX.toString(), "-c", dir.toString(), "check"));
        master = new ProcessBuilder(MASTER.toString(), "-c", dir.toString(), "-d")
                .redirectErrorStream(true).redirectOutput(dir.resolve("master.out").toFile()).start();
        awaitGreeting(address, port);
    }

    private void awaitGreeting(String address, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) {
                fail("Postfix master exited " + master.exitValue() + ":\n" + log());
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(address, port), 500);
                probe.setSoTimeout(5000);
                byte[] greeting = probe.getInputStream().readNBytes(3);
                if (new String(greeting, StandardCharsets.US_ASCII).equals("220")) {
                    probe.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        fail("Postfix did not greet on " + address + ":" + port + " within 30 s:\n" + log());
    }

    /** The messages delivered to {@code user} so far, each whole as stored. */
    List<byte[]> messages(String user) throws IOException {
        Path maildir = dir.resolve("mail").resolve(domain).resolve(user).resolve("new");
        List<byte[]> messages = new ArrayList<>();
        if (!Files.isDirectory(maildir)) {
            return messages;
        }
        try (Stream<Path> files = Files.list(maildir)) {
            for (Path file : files.sorted().toList()) {
                messages.add(Files.readAllBytes(file));
            }
        }
        return messages;
    }

    String log() throws IOException {
        StringBuilder log = new StringBuilder();
        for (String name : List.of("master.out", "postfix.log")) {
            Path file = dir.resolve(name);
            if (Files.exists(file)) {
                log.append(Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        }
        return log.toString();
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("setup.out").toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " failed:\n" + Files.readString(dir.resolve("setup.out")));
        }
    }

    @Override
    public void close() throws IOException {
        Processes.stop(master, Duration.ofSeconds(20));
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
