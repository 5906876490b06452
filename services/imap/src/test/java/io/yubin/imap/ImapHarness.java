package io.yubin.imap;

import io.vertx.core.Vertx;
import io.vertx.core.net.SelfSignedCertificate;
import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.HazelcastMailboxEvents;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.Accounts;
import io.yubin.store.AppendResult;
import io.yubin.store.BlobStore;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.MailboxStore;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real IMAP server on 127.0.0.1 and free ports over a real embedded store in a temporary
 * directory, real accounts, real Hazelcast mailbox events and a self-signed certificate the test
 * clients trust.
 */
final class ImapHarness implements AutoCloseable {

    static final String PASSWORD = "correct horse battery staple";
    static final Domain DOMAIN = Domain.parse("example.test");

    /** One Hazelcast member for the whole test JVM: starting one takes seconds. */
    private static ClusterMember cluster;

    final Vertx vertx;
    final Storage storage;
    final Accounts accounts;
    final HazelcastMailboxEvents events;
    final SelfSignedCertificate certificate;
    final ImapServer server;

    ImapHarness(Path dataDir, boolean allowPlaintextAuth) throws Exception {
        this(dataDir, allowPlaintextAuth, UnaryOperator.identity());
    }

    /** With the embedded BlobStore seen through {@code blobs} (e.g. one that counts reads). */
    ImapHarness(Path dataDir, boolean allowPlaintextAuth, UnaryOperator<BlobStore> blobs) throws Exception {
        this(dataDir, allowPlaintextAuth, blobs, UnaryOperator.identity());
    }

    /** With the embedded stores seen through {@code blobs} and {@code mailboxes} (e.g. ones that count calls). */
    ImapHarness(Path dataDir, boolean allowPlaintextAuth, UnaryOperator<BlobStore> blobs,
            UnaryOperator<MailboxStore> mailboxes) throws Exception {
        this(dataDir, allowPlaintextAuth, blobs, mailboxes, io.yubin.protocol.IpPolicy.ALLOW_ALL);
    }

    /** With both ports open only to the addresses {@code ipPolicy} allows. */
    ImapHarness(Path dataDir, io.yubin.protocol.IpPolicy ipPolicy) throws Exception {
        this(dataDir, false, UnaryOperator.identity(), UnaryOperator.identity(), ipPolicy);
    }

    private ImapHarness(Path dataDir, boolean allowPlaintextAuth, UnaryOperator<BlobStore> blobs,
            UnaryOperator<MailboxStore> mailboxes, io.yubin.protocol.IpPolicy ipPolicy) throws Exception {
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        Storage embedded = EmbeddedStorage.open(dataDir.resolve("data"));
        storage = new Storage(embedded.directory(), mailboxes.apply(embedded.mailboxes()), embedded.spool(),
                embedded.blobReferences(), blobs.apply(embedded.blobs()), embedded.spamModels(), embedded.accountLocks(),
                embedded.administrators(), embedded.closer());
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        events = new HazelcastMailboxEvents(sharedCluster().instance());
        certificate = SelfSignedCertificate.create("localhost");
        await(accounts.addDomain(DOMAIN));
        server = ImapServer.start(vertx, new ImapServer.Options("imap.example.test", "127.0.0.1", 0, 0,
                        certificate.keyCertOptions(), false, allowPlaintextAuth, null, null,
                        io.yubin.protocol.Listening.defaults(), ImapServer.Pools.DEFAULT, null, ipPolicy),
                storage, accounts, events).await(20, TimeUnit.SECONDS);
    }

    private static synchronized ClusterMember sharedCluster() {
        if (cluster == null) {
            cluster = ClusterMember.startEmbedded(ClusterMember.Options.embedded("imap-test", 0));
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        }
        return cluster;
    }

    MailAddress addUser(String localPart) throws Exception {
        MailAddress address = new MailAddress(localPart, DOMAIN);
        await(accounts.addUser(address, PASSWORD.toCharArray(), QuotaLimits.NONE));
        return address;
    }

    Mailbox mailbox(MailAddress user, String name) throws Exception {
        return await(storage.mailboxes().find(user, MailboxPath.parse(name))).orElseThrow();
    }

    /** Stores a message as delivery does, and publishes its event; returns the append result. */
    AppendResult deliver(MailAddress user, String message) throws Exception {
        StoredBlob blob = await(storage.blobs().put(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8))));
        Mailbox inbox = mailbox(user, "INBOX");
        AppendResult result = await(storage.mailboxes().append(inbox.id(),
                new NewMessage(blob, Instant.parse("2024-01-02T03:04:05Z"), Flags.NONE, null)));
        events.publish(new MailboxEvent(user, inbox.id(), MailboxEvent.Kind.APPENDED, result.uid(), result.modSeq()));
        return result;
    }

    SSLContext clientTls() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (var in = Files.newInputStream(Path.of(certificate.certificatePath()))) {
            trust.setCertificateEntry("imap",
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
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
            events.close();
            accounts.close();
            storage.close();
            certificate.delete();
        }
    }
}
