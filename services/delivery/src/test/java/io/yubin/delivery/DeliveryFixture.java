package io.yubin.delivery;

import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.HazelcastDeliveryCoordination;
import io.yubin.queue.HazelcastDeliveryQueue;
import io.yubin.queue.HazelcastMailboxEvents;
import io.yubin.store.Accounts;
import io.yubin.store.AliasSource;
import io.yubin.store.MessageRecord;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.QuotaLimits;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Real parts for delivery tests: embedded storage in a directory, real {@link Accounts} with fast
 * test-only hashing, and the Hazelcast queue, leases and events on a member the test class owns.
 */
final class DeliveryFixture implements AutoCloseable {

    static final String PASSWORD = "correct horse battery";
    static final Duration REMOTE_RETRY = Duration.ofHours(1);

    final Path dataDir;
    final ClusterMember member;
    Storage storage;
    Accounts accounts;
    final HazelcastDeliveryQueue queue;
    final HazelcastMailboxEvents events;
    final HazelcastDeliveryCoordination coordination;

    DeliveryFixture(Path dataDir, ClusterMember member) {
        this.dataDir = dataDir;
        this.member = member;
        member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME).clear();
        member.instance().getMap("yubin.delivery.leases").clear();
        openStorage();
        queue = new HazelcastDeliveryQueue(member.instance());
        events = new HazelcastMailboxEvents(member.instance());
        coordination = new HazelcastDeliveryCoordination(member.instance());
    }

    /** Opens the storage (again, after {@link #closeStorage()}: a restart). */
    void openStorage() {
        storage = EmbeddedStorage.open(dataDir);
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
    }

    void closeStorage() throws Exception {
        accounts.close();
        storage.close();
    }

    LocalDelivery delivery() {
        return new LocalDelivery(storage.spool(), storage.mailboxes(), accounts.resolver(), events,
                Clock.systemUTC(), REMOTE_RETRY);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    void domain(String name) throws Exception {
        await(accounts.addDomain(Domain.parse(name)));
    }

    MailAddress user(String address) throws Exception {
        MailAddress a = MailAddress.parse(address);
        await(accounts.addUser(a, PASSWORD.toCharArray(), QuotaLimits.NONE));
        return a;
    }

    void alias(String source, String target) throws Exception {
        await(accounts.addAlias(AliasSource.parse(source), MailAddress.parse(target)));
    }

    StoredBlob blob(String text) throws Exception {
        return await(storage.blobs().put(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
    }

    /** Accepts a message into the spool as SMTP does; {@code authenticatedUser} null for MX mail. */
    SpoolId accept(String authenticatedUser, String... recipients) throws Exception {
        return acceptAt(Instant.now(), authenticatedUser, recipients);
    }

    /** {@link #accept(String, String...)} at {@code receivedAt}. */
    SpoolId acceptAt(Instant receivedAt, String authenticatedUser, String... recipients) throws Exception {
        return acceptFrom(receivedAt, "sender@elsewhere.test", authenticatedUser, recipients);
    }

    /** {@link #acceptAt} from {@code sender}; null for the null reverse-path. */
    SpoolId acceptFrom(Instant receivedAt, String sender, String authenticatedUser, String... recipients)
            throws Exception {
        SpoolId id = SpoolId.next();
        List<MailAddress> to = java.util.Arrays.stream(recipients).map(MailAddress::parse).toList();
        SpoolEntry entry = SpoolEntry.queued(id, Envelope.of(sender == null ? null : MailAddress.parse(sender), to),
                blob("Subject: test " + id + "\r\n\r\nbody\r\n"), receivedAt.truncatedTo(ChronoUnit.MILLIS),
                new SpoolEntry.ClientInfo("client.elsewhere.test", "192.0.2.7", authenticatedUser));
        await(storage.spool().accept(entry));
        return id;
    }

    Optional<SpoolEntry> entry(SpoolId id) throws Exception {
        return await(storage.spool().find(id));
    }

    List<MessageRecord> inbox(String user) throws Exception {
        MailAddress address = MailAddress.parse(user);
        var inbox = await(storage.mailboxes().find(address, MailboxPath.INBOX)).orElseThrow();
        return await(storage.mailboxes().messages(inbox.id(), UidSet.ALL));
    }

    @Override
    public void close() throws Exception {
        events.close();
        queue.close();
        closeStorage();
    }
}
