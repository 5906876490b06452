package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two quota roots, a user's and its domain's, each with storage and message-count limits. */
class QuotasTest {

    @TempDir
    Path dir;

    private final Domain example = Domain.parse("example.test");
    private final MailAddress alice = MailAddress.parse("alice@example.test");
    private final MailAddress bob = MailAddress.parse("bob@example.test");
    private final ManualClock clock = new ManualClock();
    private Storage storage;
    private Quotas quotas;

    @BeforeEach
    void open() throws Exception {
        storage = EmbeddedStorage.open(dir);
        quotas = new Quotas(storage.directory(), storage.mailboxes(), clock);
        await(storage.directory().addDomain(example));
        for (MailAddress user : new MailAddress[] {alice, bob}) {
            await(storage.directory().addUser(new UserRecord(user, "$argon2id$x", QuotaLimits.NONE, clock.instant())));
            await(storage.mailboxes().provision(user));
        }
    }

    @AfterEach
    void close() throws Exception {
        storage.close();
    }

    private static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private void deliver(MailAddress user, int octets) {
        Mailbox inbox = await(storage.mailboxes().find(user, MailboxPath.INBOX)).orElseThrow();
        StoredBlob blob = await(storage.blobs().put(new ByteArrayInputStream(new byte[octets])));
        await(storage.mailboxes().append(inbox.id(), new NewMessage(blob, clock.instant(), Flags.NONE, null)));
    }

    @Test
    void withoutLimitsEverythingFitsAndNothingIsCounted() {
        deliver(alice, 1000);
        assertThat(await(quotas.of(alice))).isEmpty();
        assertThat(await(quotas.fits(alice, Long.MAX_VALUE / 2, 1_000_000))).isTrue();
        Quotas.Usage own = await(quotas.own(alice)).orElseThrow();
        assertThat(own.root()).isEmpty();
        assertThat(own.limits()).isEqualTo(QuotaLimits.NONE);
        assertThat(own.used()).isEqualTo(new QuotaUsage(1000, 1));
    }

    @Test
    void aUsersStorageAndMessageCountAreBothHeld() {
        await(storage.directory().setQuota(alice, new QuotaLimits(3000, 2)));
        deliver(alice, 1000);
        assertThat(await(quotas.fits(alice, 2000))).isTrue();
        assertThat(await(quotas.fits(alice, 2001))).as("storage").isFalse();
        assertThat(await(quotas.fits(alice, 1, 2))).as("two more messages").isFalse();
        deliver(alice, 10);
        assertThat(await(quotas.fits(alice, 0))).as("message count").isFalse();
        Quotas.Usage root = await(quotas.of(alice)).get(0);
        assertThat(root.domain()).isNull();
        assertThat(root.neverFits(3001)).isTrue();
        assertThat(root.neverFits(3000)).isFalse();
        assertThat(await(quotas.fits(bob, 1_000_000))).as("bob has no quota").isTrue();
    }

    @Test
    void aDomainsQuotaHoldsOverAllItsUsersCountedAgainAfterItsTimeToLive() {
        await(storage.directory().setDomainQuota(example, new QuotaLimits(5000, 3)));
        deliver(alice, 2000);
        deliver(bob, 2000);
        assertThat(await(quotas.fits(bob, 1000))).isTrue();
        assertThat(await(quotas.fits(alice, 1001))).as("storage over both users").isFalse();
        Quotas.Usage domain = await(quotas.of(alice)).get(0);
        assertThat(domain.root()).isEqualTo("example.test");
        assertThat(domain.used()).isEqualTo(new QuotaUsage(4000, 2));

        deliver(bob, 10);
        assertThat(await(quotas.fits(alice, 0))).as("within the time to live the count is reused").isTrue();
        clock.advance(Quotas.DOMAIN_USAGE_TTL);
        assertThat(await(quotas.fits(alice, 0))).as("3 of 3 messages, counted again").isFalse();

        await(storage.directory().setQuota(alice, QuotaLimits.storage(10_000)));
        assertThat(await(quotas.of(alice))).extracting(Quotas.Usage::root).containsExactly("", "example.test");
        await(storage.directory().setDomainQuota(example, QuotaLimits.NONE));
        assertThat(await(quotas.of(alice))).as("another member's change: seen after the time to live")
                .extracting(Quotas.Usage::root).containsExactly("", "example.test");
        clock.advance(Quotas.DOMAIN_USAGE_TTL);
        assertThat(await(quotas.of(alice))).extracting(Quotas.Usage::root).containsExactly("");
        await(storage.directory().setDomainQuota(example, QuotaLimits.storage(1)));
        quotas.recount(example);
        assertThat(await(quotas.of(alice))).as("this member's change (Accounts recounts): at once")
                .extracting(Quotas.Usage::root).containsExactly("", "example.test");
        await(storage.directory().setDomainQuota(example, QuotaLimits.NONE));
        quotas.recount(example);
        assertThat(await(quotas.fits(alice, 0))).isTrue();
        assertThat(await(quotas.domain(example)).used()).as("counted afresh").isEqualTo(new QuotaUsage(4010, 3));
    }

    @Test
    void aDomainsUseIsCountedAFewUsersAtATime() throws Exception {
        for (int i = 0; i < 100; i++) {
            MailAddress user = MailAddress.parse("user" + i + "@example.test");
            await(storage.directory().addUser(new UserRecord(user, "$argon2id$x", QuotaLimits.NONE, clock.instant())));
            await(storage.mailboxes().provision(user));
        }
        deliver(alice, 1000);
        deliver(MailAddress.parse("user7@example.test"), 500);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ScheduledExecutorService later = java.util.concurrent.Executors.newScheduledThreadPool(2);
        MailboxStore real = storage.mailboxes();
        // The store as a slow one: each user's use answers 2 ms after it is asked.
        MailboxStore slow = (MailboxStore) java.lang.reflect.Proxy.newProxyInstance(MailboxStore.class.getClassLoader(),
                new Class<?>[] {MailboxStore.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("quotaUsage")) {
                        return method.invoke(real, args);
                    }
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    java.util.concurrent.CompletableFuture<QuotaUsage> answer = new java.util.concurrent.CompletableFuture<>();
                    ((CompletionStage<?>) method.invoke(real, args)).whenComplete((used, failure) -> later.schedule(() -> {
                        inFlight.decrementAndGet();
                        answer.complete((QuotaUsage) used);
                    }, 2, java.util.concurrent.TimeUnit.MILLISECONDS));
                    return answer;
                });
        try {
            Quotas counted = new Quotas(storage.directory(), slow, clock);
            assertThat(await(counted.domain(example)).used()).isEqualTo(new QuotaUsage(1500, 2));
            assertThat(most.get()).isBetween(1, Quotas.COUNTS_IN_FLIGHT);
        } finally {
            later.shutdownNow();
        }
    }
}
