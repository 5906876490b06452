package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException.Kind;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@link Spool} contract (docs/architecture.md §4.1). */
public abstract class SpoolContract extends StorageContractSupport {

    private static final MailAddress CAROL = MailAddress.parse("carol@other.test");

    private Spool spool() {
        return storage.spool();
    }

    private SpoolEntry fullEntry() {
        StoredBlob blob = putBlob("Subject: hi\r\n\r\nbody\r\n");
        Envelope envelope = new Envelope(MailAddress.parse("Sender@Example.TEST"), List.of(
                new Envelope.Recipient(ALICE, Set.of(Envelope.DsnNotify.SUCCESS, Envelope.DsnNotify.FAILURE),
                        "rfc822;alice@example.test"),
                Envelope.Recipient.of(CAROL)), Envelope.BodyType.EIGHT_BIT_MIME, true, Envelope.DsnReturn.HDRS,
                "env-42");
        return SpoolEntry.queued(SpoolId.next(), envelope, blob, DATE,
                new SpoolEntry.ClientInfo("mx.other.test", "2001:db8::1", "bob@example.test"));
    }

    @Test
    void findsAnAcceptedEntryWithEveryRecipientQueued() {
        SpoolEntry entry = fullEntry();

        await(spool().accept(entry));

        SpoolEntry found = await(spool().find(entry.id())).orElseThrow();
        assertThat(found).isEqualTo(entry);
        assertThat(found.recipients()).extracting(RecipientState::status).containsOnly(DeliveryStatus.QUEUED);
        assertThat(await(spool().find(SpoolId.next()))).isEmpty();
    }

    @Test
    void keepsTheSendersTlsRequest() {
        for (Envelope.TlsRequirement tls : Envelope.TlsRequirement.values()) {
            SpoolEntry entry = SpoolEntry.queued(SpoolId.next(),
                    Envelope.of(MailAddress.parse("sender@example.test"), List.of(ALICE)).withTls(tls),
                    putBlob("tls " + tls), DATE, new SpoolEntry.ClientInfo("h", "192.0.2.1", null));

            await(spool().accept(entry));

            assertThat(await(spool().find(entry.id()))).as(tls.name()).contains(entry);
        }
    }

    @Test
    void acceptsANullReversePath() {
        SpoolEntry entry = SpoolEntry.queued(SpoolId.next(), Envelope.of(null, List.of(ALICE)), putBlob("dsn"), DATE,
                new SpoolEntry.ClientInfo("h", "192.0.2.1", null));

        await(spool().accept(entry));

        assertThat(await(spool().find(entry.id()))).contains(entry);
    }

    @Test
    void acceptingAnExistingIdIsAConflict() {
        SpoolEntry entry = fullEntry();
        await(spool().accept(entry));

        assertFails(spool().accept(entry), Kind.CONFLICT);
        assertThat(await(spool().find(entry.id()))).contains(entry);
    }

    @Test
    void recordsTheOutcomeForOneRecipient() {
        SpoolEntry entry = fullEntry();
        await(spool().accept(entry));
        Instant retry = Instant.parse("2026-03-01T11:00:00Z");

        await(spool().update(entry.id(), MailAddress.parse("CAROL@other.test"),
                new RecipientState(CAROL, DeliveryStatus.DEFERRED, 1, retry, "451 4.4.1 try later")));
        await(spool().update(entry.id(), ALICE,
                new RecipientState(ALICE, DeliveryStatus.DELIVERED, 1, null, "250 2.0.0 delivered")));

        SpoolEntry found = await(spool().find(entry.id())).orElseThrow();
        assertThat(found.recipients()).containsExactly(
                new RecipientState(ALICE, DeliveryStatus.DELIVERED, 1, null, "250 2.0.0 delivered"),
                new RecipientState(CAROL, DeliveryStatus.DEFERRED, 1, retry, "451 4.4.1 try later"));
        assertThat(found.finished()).isFalse();
    }

    @Test
    void keepsTheDelayReportedMarkPerRecipientAcrossUpdatesAndReopening() throws Exception {
        SpoolEntry entry = fullEntry();
        await(spool().accept(entry));
        Instant retry = Instant.parse("2026-03-01T11:00:00Z");
        RecipientState reported = new RecipientState(CAROL, DeliveryStatus.DEFERRED, 3, retry, "451 4.4.1 try later")
                .withDelayReported();

        await(spool().update(entry.id(), CAROL, reported));
        assertThat(await(spool().find(entry.id())).orElseThrow().recipients())
                .extracting(RecipientState::delayReported).containsExactly(false, true);

        reopen();
        assertThat(await(spool().find(entry.id())).orElseThrow().recipients().get(1)).isEqualTo(reported);

        RecipientState later = new RecipientState(CAROL, DeliveryStatus.DEFERRED, 4, retry.plusSeconds(60), "451 again",
                true);
        await(spool().update(entry.id(), CAROL, later));
        assertThat(await(spool().find(entry.id())).orElseThrow().recipients().get(1)).isEqualTo(later);
        await(spool().update(entry.id(), CAROL, later.withNextAttempt(retry)));
        assertThat(await(spool().find(entry.id())).orElseThrow().recipients().get(1).delayReported()).isTrue();
    }

    @Test
    void updatingAMissingEntryOrRecipientIsNotFound() {
        SpoolEntry entry = fullEntry();
        await(spool().accept(entry));
        RecipientState done = new RecipientState(BOB, DeliveryStatus.DELIVERED, 1, null, "250");

        assertFails(spool().update(SpoolId.next(), ALICE, done), Kind.NOT_FOUND);
        assertFails(spool().update(entry.id(), BOB, done), Kind.NOT_FOUND);
    }

    @Test
    void unfinishedPagesThroughEntriesWithQueuedOrDeferredRecipientsAscending() {
        List<SpoolId> open = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            SpoolEntry e = spoolEntry(putBlob("m" + i), ALICE);
            await(spool().accept(e));
            if (i == 2) {
                await(spool().update(e.id(), ALICE, new RecipientState(ALICE, DeliveryStatus.FAILED, 1, null, "550")));
            } else if (i == 3) {
                await(spool().update(e.id(), ALICE, new RecipientState(ALICE, DeliveryStatus.DEFERRED, 1,
                        DATE.plusSeconds(60), "451")));
                open.add(e.id());
            } else {
                open.add(e.id());
            }
        }
        List<SpoolId> expected = open.stream().sorted().toList();

        List<SpoolId> seen = new ArrayList<>();
        SpoolId after = null;
        while (true) {
            List<SpoolId> page = await(spool().unfinished(after, 4));
            assertThat(page).hasSizeLessThanOrEqualTo(4).isSorted();
            if (page.isEmpty()) {
                break;
            }
            seen.addAll(page);
            after = page.get(page.size() - 1);
        }
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void removesAnEntryAndRemovingAgainIsNotFound() {
        SpoolEntry entry = fullEntry();
        await(spool().accept(entry));

        await(spool().remove(entry.id()));

        assertThat(await(spool().find(entry.id()))).isEmpty();
        assertThat(await(spool().unfinished(null, 10))).isEmpty();
        assertFails(spool().remove(entry.id()), Kind.NOT_FOUND);
    }

    @Test
    void acceptsWithBodySmallAndLargeBodiesAndBothSurviveReopening() throws Exception {
        byte[] small = "Subject: small\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[200 * 1024];
        new Random(7).nextBytes(large);
        List<SpoolEntry> accepted = new ArrayList<>();
        for (byte[] body : List.of(small, large)) {
            accepted.add(await(spool().acceptWithBody(storage.blobs(), new ByteArrayInputStream(body),
                    blob -> SpoolEntry.queued(SpoolId.next(), Envelope.of(CAROL, List.of(ALICE)), blob, DATE,
                            new SpoolEntry.ClientInfo("h", "192.0.2.1", null)))));
        }

        reopen();

        for (int i = 0; i < 2; i++) {
            SpoolEntry entry = accepted.get(i);
            byte[] body = i == 0 ? small : large;
            assertThat(await(spool().find(entry.id()))).contains(entry);
            assertThat(entry.blob().size()).isEqualTo(body.length);
            assertThat(readAll(await(storage.blobs().get(entry.blob().id())))).isEqualTo(body);
        }
    }

    @Test
    void acceptWithBodyOfAnExistingIdIsAConflictAndLeavesNoBlob() {
        SpoolEntry first = fullEntry();
        await(spool().accept(first));
        List<StoredBlob> offered = new ArrayList<>();

        assertFails(spool().acceptWithBody(storage.blobs(), new ByteArrayInputStream(new byte[] {'x'}), blob -> {
            offered.add(blob);
            return SpoolEntry.queued(first.id(), first.envelope(), blob, DATE, first.client());
        }), Kind.CONFLICT);

        assertThat(offered).hasSize(1);
        assertThat(await(storage.blobs().exists(offered.get(0).id()))).isFalse();
        assertThat(await(spool().find(first.id()))).contains(first);
    }

    @Test
    void spoolEntriesSurviveReopening() throws Exception {
        SpoolEntry entry = fullEntry();
        await(spool().accept(entry));
        RecipientState deferred = new RecipientState(CAROL, DeliveryStatus.DEFERRED, 2,
                Instant.parse("2026-03-02T00:00:00.5Z"), "421");
        await(spool().update(entry.id(), CAROL, deferred));

        reopen();

        SpoolEntry found = await(spool().find(entry.id())).orElseThrow();
        assertThat(found.envelope()).isEqualTo(entry.envelope());
        assertThat(found.recipients().get(1)).isEqualTo(deferred);
        assertThat(await(spool().unfinished(null, 10))).containsExactly(entry.id());
    }
}
