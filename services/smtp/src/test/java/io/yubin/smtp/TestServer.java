package io.yubin.smtp;

import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.AliasSource;
import io.yubin.store.Accounts;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.QuotaLimits;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real SMTP server on 127.0.0.1 (free ports) over a real embedded store in a temporary directory
 * and real Accounts (fast test-only Argon2id), with domain example.org, user alice (password
 * {@link #PASSWORD}), user bob, alias sales -> alice. The delivery queue is an in-memory fake:
 * the unit under test ends at the offer.
 */
final class TestServer implements AutoCloseable {

    static final String PASSWORD = "correct horse battery staple";
    static final MailAddress ALICE = MailAddress.parse("alice@example.org");
    static final MailAddress BOB = MailAddress.parse("bob@example.org");

    /** The fake queue: what was offered. */
    static final class MemoryQueue implements DeliveryQueue {
        final LinkedBlockingQueue<SpoolId> ids = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<Void> offer(SpoolId id) {
            ids.add(id);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public SpoolId take(Duration timeout) throws InterruptedException {
            return ids.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public java.util.Set<SpoolId> queued() {
            return java.util.Set.copyOf(ids);
        }

        @Override
        public int size() {
            return ids.size();
        }

        @Override
        public void close() {
            ids.clear();
        }
    }

    final Vertx vertx;
    final Storage storage;
    final Accounts accounts;
    final MemoryQueue queue = new MemoryQueue();
    final SmtpServer server;
    final SelfSignedCertificate certificate;
    /** The server's host name, in the local domain example.org. */
    static final String HOSTNAME = "mx.example.org";

    TestServer(Path dir, SmtpLimits limits, boolean proxyProtocol) throws Exception {
        this(dir, limits, proxyProtocol, null, SendingLimits.none());
    }

    /** With mail authentication on the MX port ({@code authenticator} null: off). */
    TestServer(Path dir, SmtpLimits limits, boolean proxyProtocol,
            io.yubin.mailauth.InboundAuthenticator authenticator) throws Exception {
        this(dir, limits, proxyProtocol, authenticator, SendingLimits.none());
    }

    TestServer(Path dir, SmtpLimits limits, boolean proxyProtocol, SendingLimits sendingLimits) throws Exception {
        this(dir, limits, proxyProtocol, null, sendingLimits);
    }

    TestServer(Path dir, SmtpLimits limits, boolean proxyProtocol, io.yubin.mailauth.InboundAuthenticator authenticator,
            SendingLimits sendingLimits) throws Exception {
        this(dir, limits, proxyProtocol, authenticator, sendingLimits, java.util.Map.of(), null,
                io.yubin.store.AddressPolicies.DEFAULT, null, HOSTNAME);
    }

    /** With virus scanning ({@code virusScanning} null: none). */
    TestServer(Path dir, VirusScanning virusScanning) throws Exception {
        this(dir, SmtpLimits.defaults(), false, null, SendingLimits.none(), java.util.Map.of(), null,
                io.yubin.store.AddressPolicies.DEFAULT, virusScanning, HOSTNAME);
    }

    /** With the domains' address policies. */
    TestServer(Path dir, io.yubin.store.AddressPolicies addressPolicies) throws Exception {
        this(dir, addressPolicies, HOSTNAME);
    }

    /** With the domains' address policies and the server's host name. */
    TestServer(Path dir, io.yubin.store.AddressPolicies addressPolicies, String hostname) throws Exception {
        this(dir, SmtpLimits.defaults(), false, null, SendingLimits.none(), java.util.Map.of(), null, addressPolicies,
                null, hostname);
    }

    /** With IP policies per listener and DNS blocklists on the MX port ({@code blocklists} null: none). */
    TestServer(Path dir, boolean proxyProtocol, java.util.Map<SmtpServer.Mode, io.yubin.protocol.IpPolicy> ipPolicies,
            DnsBlocklists blocklists) throws Exception {
        this(dir, SmtpLimits.defaults(), proxyProtocol, null, SendingLimits.none(), ipPolicies, blocklists,
                io.yubin.store.AddressPolicies.DEFAULT, null, HOSTNAME);
    }

    private TestServer(Path dir, SmtpLimits limits, boolean proxyProtocol,
            io.yubin.mailauth.InboundAuthenticator authenticator, SendingLimits sendingLimits,
            java.util.Map<SmtpServer.Mode, io.yubin.protocol.IpPolicy> ipPolicies, DnsBlocklists blocklists,
            io.yubin.store.AddressPolicies addressPolicies, VirusScanning virusScanning, String hostname) throws Exception {
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        storage = EmbeddedStorage.open(dir.resolve("data"));
        accounts = new Accounts(storage.directory(), storage.mailboxes(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT,
                // Five failures lock an account, as the throttle tests expect.
                new io.yubin.store.AccountLockout(storage.accountLocks(), new io.yubin.store.AccountLockout.Policy(5,
                        java.time.Duration.ofMinutes(15), java.time.Duration.ofMinutes(1))),
                new io.yubin.store.LoginThrottle(io.yubin.store.LoginThrottle.Policy.CLIENT_IP),
                new io.yubin.store.PasswordVerificationCache(io.yubin.store.PasswordVerificationCache.Settings.DEFAULT),
                addressPolicies);
        accounts.addDomain(Domain.parse("example.org")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        accounts.addUser(ALICE, PASSWORD.toCharArray(), QuotaLimits.NONE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        accounts.addUser(BOB, PASSWORD.toCharArray(), QuotaLimits.NONE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        accounts.addAlias(AliasSource.of(MailAddress.parse("sales@example.org")), ALICE)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        certificate = SelfSignedCertificate.create("localhost");
        PemKeyCertOptions tls = new PemKeyCertOptions().setKeyPath(certificate.privateKeyPath())
                .setCertPath(certificate.certificatePath());
        server = SmtpServer.start(vertx, new SmtpServer.Options(hostname, "127.0.0.1", 0, 0, 0, tls,
                proxyProtocol, limits, io.yubin.protocol.Listening.defaults(), ipPolicies), storage, accounts, queue,
                authenticator, null, sendingLimits, blocklists, virusScanning)
                .await(10, TimeUnit.SECONDS);
    }

    TestServer(Path dir) throws Exception {
        this(dir, SmtpLimits.defaults(), false);
    }

    int port(SmtpServer.Mode mode) {
        return server.actualPort(mode);
    }

    SmtpTestClient connect(SmtpServer.Mode mode) throws Exception {
        return SmtpTestClient.connect(port(mode));
    }

    /** The spool entries of every id offered so far. */
    List<SpoolEntry> spooled() throws Exception {
        List<SpoolId> ids = storage.spool().unfinished(null, 1000).toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<SpoolEntry> entries = new java.util.ArrayList<>();
        for (SpoolId id : ids) {
            entries.add(storage.spool().find(id).toCompletableFuture().get(10, TimeUnit.SECONDS).orElseThrow());
        }
        return entries;
    }

    String body(SpoolEntry entry) throws Exception {
        try (InputStream in = storage.blobs().get(entry.blob().id()).toCompletableFuture().get(10, TimeUnit.SECONDS)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            server.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        } finally {
            accounts.close();
            storage.close();
        }
    }
}
