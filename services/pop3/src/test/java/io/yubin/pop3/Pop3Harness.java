package io.yubin.pop3;

import io.vertx.core.Vertx;
import io.vertx.core.net.SelfSignedCertificate;
import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.HazelcastMaildropLocks;
import io.yubin.store.Accounts;
import io.yubin.store.MailboxId;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real POP3 server on 127.0.0.1 and free ports over a real embedded store in a temporary
 * directory, real accounts (fast test-only Argon2id parameters), real Hazelcast maildrop locks and
 * a self-signed certificate the test clients trust.
 */
final class Pop3Harness implements AutoCloseable {

    static final String PASSWORD = "correct horse battery staple";
    static final Domain DOMAIN = Domain.parse("example.test");

    /** One Hazelcast member for the whole test JVM: starting one takes seconds. */
    private static ClusterMember cluster;

    final Vertx vertx;
    final Storage storage;
    final Accounts accounts;
    final HazelcastMaildropLocks locks;
    final SelfSignedCertificate certificate;
    final Pop3Server server;

    Pop3Harness(Path dataDir) throws Exception {
        this(dataDir, false, null);
    }

    Pop3Harness(Path dataDir, boolean allowPlaintextAuth, Duration idleTimeout) throws Exception {
        this(dataDir, allowPlaintextAuth, idleTimeout, false);
    }

    Pop3Harness(Path dataDir, boolean allowPlaintextAuth, Duration idleTimeout, boolean proxyProtocol)
            throws Exception {
        this(dataDir, allowPlaintextAuth, idleTimeout, proxyProtocol, io.yubin.protocol.IpPolicy.ALLOW_ALL);
    }

    /** With both ports open only to the addresses {@code ipPolicy} allows. */
    Pop3Harness(Path dataDir, io.yubin.protocol.IpPolicy ipPolicy) throws Exception {
        this(dataDir, false, null, false, ipPolicy);
    }

    private Pop3Harness(Path dataDir, boolean allowPlaintextAuth, Duration idleTimeout, boolean proxyProtocol,
            io.yubin.protocol.IpPolicy ipPolicy) throws Exception {
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        storage = EmbeddedStorage.open(dataDir.resolve("data"));
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        locks = new HazelcastMaildropLocks(sharedCluster().instance());
        certificate = SelfSignedCertificate.create("localhost");
        await(accounts.addDomain(DOMAIN));
        server = Pop3Server.start(vertx, new Pop3Server.Options("pop.example.test", "127.0.0.1", 0, 0,
                        certificate.keyCertOptions(), proxyProtocol, allowPlaintextAuth, idleTimeout,
                        io.yubin.protocol.Listening.defaults(), Pop3Server.DEFAULT_MAX_CONNECTIONS_PER_IP,
                        Pop3Server.DEFAULT_BODY_THREADS, ipPolicy),
                storage, accounts, locks).await(20, TimeUnit.SECONDS);
    }

    /** True while a session holds {@code user}'s maildrop lock (the shared member's lock map has it). */
    boolean maildropLocked(MailAddress user) {
        return sharedCluster().instance().getMap(HazelcastMaildropLocks.MAP_NAME).containsKey(user.canonical());
    }

    private static synchronized ClusterMember sharedCluster() {
        if (cluster == null) {
            cluster = ClusterMember.startEmbedded(ClusterMember.Options.embedded("pop3-test", 0));
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        }
        return cluster;
    }

    MailAddress addUser(String localPart) throws Exception {
        MailAddress address = new MailAddress(localPart, DOMAIN);
        await(accounts.addUser(address, PASSWORD.toCharArray(), QuotaLimits.NONE));
        return address;
    }

    MailboxId inbox(MailAddress user) throws Exception {
        return await(storage.mailboxes().find(user, MailboxPath.INBOX)).orElseThrow().id();
    }

    long uidValidity(MailAddress user) throws Exception {
        return await(storage.mailboxes().find(user, MailboxPath.INBOX)).orElseThrow().uidValidity();
    }

    /** Stores a message in the user's INBOX as delivery would; returns its UID. */
    long deliver(MailAddress user, byte[] message) throws Exception {
        StoredBlob blob = await(storage.blobs().put(new ByteArrayInputStream(message)));
        return await(storage.mailboxes().append(inbox(user), new NewMessage(blob, Instant.now(), Flags.NONE, null)))
                .uid();
    }

    long deliver(MailAddress user, String message) throws Exception {
        return deliver(user, message.getBytes(StandardCharsets.UTF_8));
    }

    List<MessageRecord> messages(MailAddress user) throws Exception {
        return await(storage.mailboxes().messages(inbox(user), UidSet.ALL));
    }

    byte[] body(MessageRecord message) throws Exception {
        try (InputStream in = await(storage.blobs().get(message.blob().id()))) {
            return in.readAllBytes();
        }
    }

    /** An SSL context that trusts exactly the test certificate. */
    SSLContext clientTls() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("pop3", certificateX509());
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    X509Certificate certificateX509() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of(certificate.certificatePath()))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The certificate's fingerprint as fetchmail prints it: upper-case hex pairs and colons. */
    String fingerprint(String algorithm) throws Exception {
        byte[] digest = MessageDigest.getInstance(algorithm).digest(certificateX509().getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        try {
            server.close().await(20, TimeUnit.SECONDS);
            vertx.close().await(20, TimeUnit.SECONDS);
        } finally {
            locks.close();
            accounts.close();
            storage.close();
            certificate.delete();
        }
    }
}
