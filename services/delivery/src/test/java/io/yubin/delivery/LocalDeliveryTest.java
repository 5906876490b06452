package io.yubin.delivery;

import static io.yubin.delivery.DeliveryFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.QuotaLimits;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.NewMessage;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.UserRecord;
import io.yubin.model.Flags;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalDelivery} over real embedded storage, real Accounts and real Hazelcast events. */
class LocalDeliveryTest {

    private static ClusterMember member;

    @TempDir
    Path dataDir;

    private DeliveryFixture f;
    private LocalDelivery delivery;

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("local-delivery-test", 0));
    }

    @AfterAll
    static void stopMember() {
        member.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture(dataDir, member);
        delivery = f.delivery();
        f.domain("example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void deliversToTheUsersInboxAndRemovesTheFinishedEntry() throws Exception {
        f.user("alice@example.test");
        SpoolId id = f.accept(null, "Alice@example.test");
        SpoolEntry accepted = f.entry(id).orElseThrow();

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated()).containsExactly(new RecipientState(MailAddress.parse("alice@example.test"),
                DeliveryStatus.DELIVERED, 1, null, "250 2.0.0 delivered to INBOX"));
        var messages = f.inbox("alice@example.test");
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0).blob()).isEqualTo(accepted.blob());
        assertThat(messages.get(0).internalDate()).isEqualTo(accepted.receivedAt());
        assertThat(messages.get(0).flags()).isEqualTo(Flags.NONE);
        assertThat(f.entry(id)).isEmpty();
    }

    @Test
    void deliversThroughAnAliasToEveryTargetAndThroughTheCatchAll() throws Exception {
        f.user("alice@example.test");
        f.user("bob@example.test");
        f.user("carol@example.test");
        f.alias("team@example.test", "alice@example.test");
        f.alias("team@example.test", "bob@example.test");
        f.alias("@example.test", "carol@example.test");

        SpoolId id = f.accept(null, "team@example.test", "nobody-in-particular@example.test");
        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated()).extracting(RecipientState::status)
                .containsExactly(DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED);
        assertThat(f.inbox("alice@example.test")).hasSize(1);
        assertThat(f.inbox("bob@example.test")).hasSize(1);
        assertThat(f.inbox("carol@example.test")).hasSize(1);
    }

    @Test
    void deliveringTheSameEntryAgainStoresNoSecondCopy() throws Exception {
        f.user("alice@example.test");
        SpoolId id = f.accept(null, "alice@example.test");

        await(delivery.deliver(id));
        LocalDelivery.Outcome again = await(delivery.deliver(id));

        assertThat(again.kind()).isEqualTo(LocalDelivery.Outcome.Kind.GONE);
        assertThat(f.inbox("alice@example.test")).hasSize(1);
    }

    @Test
    void aDeliveryCutShortAfterTheAppendIsCompletedWithoutASecondCopy() throws Exception {
        MailAddress alice = f.user("alice@example.test");
        SpoolId id = f.accept(null, "alice@example.test");
        SpoolEntry entry = f.entry(id).orElseThrow();
        // A worker that died after appending but before recording the outcome in the spool.
        var inbox = await(f.storage.mailboxes().find(alice, MailboxPath.INBOX)).orElseThrow();
        await(f.storage.mailboxes().append(inbox.id(),
                new NewMessage(entry.blob(), entry.receivedAt(), Flags.NONE, id.value() + "/" + alice.canonical())));

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(f.inbox("alice@example.test")).hasSize(1);
    }

    @Test
    void concurrentDeliveriesOfTheSameEntryStoreOneCopy() throws Exception {
        f.user("alice@example.test");
        f.user("bob@example.test");
        for (int round = 0; round < 10; round++) {
            SpoolId id = f.accept(null, "alice@example.test", "bob@example.test");
            LocalDelivery other = f.delivery();

            CompletableFuture<LocalDelivery.Outcome> a = delivery.deliver(id).toCompletableFuture();
            CompletableFuture<LocalDelivery.Outcome> b = other.deliver(id).toCompletableFuture();

            assertThat(List.of(await(a).kind(), await(b).kind())).contains(LocalDelivery.Outcome.Kind.FINISHED);
            assertThat(f.entry(id)).isEmpty();
        }
        assertThat(f.inbox("alice@example.test")).hasSize(10);
        assertThat(f.inbox("bob@example.test")).hasSize(10);
    }

    @Test
    void provisionsTheInboxOfAUserWhoHasNone() throws Exception {
        MailAddress dave = MailAddress.parse("dave@example.test");
        await(f.storage.directory().addUser(new UserRecord(dave, "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", QuotaLimits.NONE,
                Instant.now())));
        SpoolId id = f.accept(null, "dave@example.test");

        assertThat(await(delivery.deliver(id)).kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(f.inbox("dave@example.test")).hasSize(1);
    }

    @Test
    void aRecipientRemovedSinceAcceptanceFailsWithUnknownUser() throws Exception {
        f.user("alice@example.test");
        MailAddress gone = f.user("gone@example.test");
        SpoolId id = f.accept(null, "alice@example.test", "gone@example.test");
        await(f.accounts.removeUser(gone));

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated().get(1)).isEqualTo(new RecipientState(gone, DeliveryStatus.FAILED, 1, null,
                "550 5.1.1 <gone@example.test>: no such user here"));
        assertThat(f.inbox("alice@example.test")).hasSize(1);
        assertThat(f.entry(id)).isEmpty();
    }

    @Test
    void aRemoteRecipientOfAnAuthenticatedSenderStaysDeferredWithTheReason() throws Exception {
        f.user("alice@example.test");
        SpoolId id = f.accept("alice@example.test", "alice@example.test", "friend@remote.test");
        Instant before = Instant.now();

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        SpoolEntry entry = f.entry(id).orElseThrow();
        RecipientState remote = entry.recipients().get(1);
        assertThat(remote.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(remote.attempts()).isEqualTo(1);
        assertThat(remote.lastResult())
                .isEqualTo("queued for remote delivery, which this version does not perform yet");
        assertThat(remote.nextAttempt()).isAfterOrEqualTo(before.plus(DeliveryFixture.REMOTE_RETRY));
        assertThat(outcome.nextAttempt()).isEqualTo(remote.nextAttempt());
        assertThat(entry.recipients().get(0).status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(f.inbox("alice@example.test")).hasSize(1);
    }

    @Test
    void anAliasWithARemoteTargetDeliversLocallyAndDefersTheRest() throws Exception {
        f.user("alice@example.test");
        f.alias("list@example.test", "alice@example.test");
        f.alias("list@example.test", "friend@remote.test");
        SpoolId id = f.accept(null, "list@example.test");

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        assertThat(outcome.updated().get(0).status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(outcome.updated().get(0).lastResult()).isEqualTo(LocalDelivery.REMOTE_NOT_YET);
        assertThat(f.inbox("alice@example.test")).hasSize(1);
    }

    @Test
    void aDeferredRecipientThatIsNotDueIsLeftAlone() throws Exception {
        f.user("alice@example.test");
        SpoolId id = f.accept("alice@example.test", "friend@remote.test");
        LocalDelivery.Outcome first = await(delivery.deliver(id));

        LocalDelivery.Outcome second = await(delivery.deliver(id));

        assertThat(second.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        assertThat(second.updated()).isEmpty();
        assertThat(second.nextAttempt()).isEqualTo(first.nextAttempt());
        assertThat(f.entry(id).orElseThrow().recipients().get(0).attempts()).isEqualTo(1);
    }

    @Test
    void aRemoteRecipientWithoutAnAuthenticatedSenderIsRefusedAsRelaying() throws Exception {
        SpoolId id = f.accept(null, "friend@remote.test");

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated().get(0).status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(outcome.updated().get(0).lastResult()).startsWith("550 5.7.1 ");
    }

    @Test
    void publishesAnAppendedEventForEachLocalUser() throws Exception {
        MailAddress alice = f.user("alice@example.test");
        List<MailboxEvent> seen = new CopyOnWriteArrayList<>();
        f.events.subscribe(alice, seen::add);
        SpoolId id = f.accept(null, "alice@example.test");

        await(delivery.deliver(id));

        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        var message = f.inbox("alice@example.test").get(0);
        var inbox = await(f.storage.mailboxes().find(alice, MailboxPath.INBOX)).orElseThrow();
        assertThat(seen).containsExactly(
                new MailboxEvent(alice, inbox.id(), MailboxEvent.Kind.APPENDED, message.uid(), message.modSeq()));
    }
}
