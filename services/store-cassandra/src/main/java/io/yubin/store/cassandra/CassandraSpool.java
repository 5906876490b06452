package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.Ids;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobId;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * {@link Spool} in Cassandra: one partition per entry, written as one logged batch, so an entry is
 * either there whole or not at all; {@link #accept} completes once the batch is acknowledged at the
 * configured consistency (LOCAL_QUORUM: durable on a majority of the data centre's replicas).
 */
final class CassandraSpool implements Spool {

    /** Buckets are the first characters of a time-ordered id: 6 base-32 digits, 2^20 ms each. */
    private static final int BUCKET_CHARS = 6;

    private final Cql cql;
    private final CassandraBlobReferences references;

    CassandraSpool(Cql cql, CassandraBlobReferences references) {
        this.cql = cql;
        this.references = references;
    }

    static String bucket(SpoolId id) {
        return id.value().substring(0, Math.min(BUCKET_CHARS, id.value().length()));
    }

    @Override
    public CompletionStage<Void> accept(SpoolEntry entry) {
        String id = entry.id().value();
        return cql.one("SELECT id FROM spool WHERE id = ? LIMIT 1", id).thenCompose(existing -> {
            if (existing.isPresent()) {
                throw StoreException.conflict("id", "spool entry " + entry.id() + " exists");
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(v -> {
            Envelope e = entry.envelope();
            MailAddress sender = e.sender();
            List<CompletionStage<BoundStatement>> batch = new ArrayList<>();
            batch.add(cql.bind("INSERT INTO spool (id, sender_local, sender_domain, body, smtp_utf8, dsn_return, env_id, "
                    + "blob_id, size, sha256, received_at, helo, client_address, auth_user, tls_requirement) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", id,
                    sender == null ? null : sender.localPart(), sender == null ? null : sender.domain().ascii(),
                    e.body().name(), e.smtpUtf8(), e.dsnReturn() == null ? null : e.dsnReturn().name(), e.envId(),
                    entry.blob().id().value(), entry.blob().size(), entry.blob().sha256(), nanos(entry.receivedAt()),
                    entry.client().heloName(), entry.client().address(), entry.client().authenticatedUser(),
                    e.tls() == Envelope.TlsRequirement.POLICY ? null : e.tls().name()));
            for (int i = 0; i < e.recipients().size(); i++) {
                Envelope.Recipient r = e.recipients().get(i);
                RecipientState s = i < entry.recipients().size() ? entry.recipients().get(i)
                        : RecipientState.queued(r.address());
                batch.add(cql.bind("INSERT INTO spool (id, position, address, local_part, domain, notify, orcpt, status, "
                        + "attempts, next_attempt, last_result, delay_reported) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", id, i,
                        r.address().canonical(), r.address().localPart(), r.address().domain().ascii(),
                        r.notifyOn().stream().map(Enum::name).collect(Collectors.toCollection(TreeSet::new)),
                        r.originalRecipient(), s.status().name(), s.attempts(), nanos(s.nextAttempt()),
                        s.lastResult(), s.delayReported()));
            }
            if (!entry.finished()) {
                batch.add(cql.bind("INSERT INTO spool_open (bucket, id) VALUES (?, ?)", bucket(entry.id()), id));
                batch.add(cql.bind("INSERT INTO spool_buckets (shard, bucket) VALUES (0, ?)", bucket(entry.id())));
            }
            // The blob reference in the same batch: apart, a crash between the two left a reference
            // to a body that no entry or message held, so the body was never collected.
            batch.add(references.bindAdd(entry.blob().id(), CassandraBlobReferences.spoolRef(id)));
            return cql.batch(BatchType.LOGGED, batch);
        });
    }

    @Override
    public CompletionStage<Optional<SpoolEntry>> find(SpoolId id) {
        return cql.all("SELECT * FROM spool WHERE id = ?", id.value()).thenApply(rows -> entry(id, rows));
    }

    @Override
    public CompletionStage<Void> update(SpoolId id, MailAddress recipient, RecipientState state) {
        return find(id).thenCompose(found -> {
            SpoolEntry entry = found.orElseThrow(() -> StoreException.notFound("id", "no spool entry " + id));
            int position = -1;
            List<RecipientState> after = new ArrayList<>(entry.recipients());
            for (int i = 0; i < after.size(); i++) {
                if (after.get(i).recipient().equals(recipient)) {
                    position = i;
                    after.set(i, state);
                    break;
                }
            }
            if (position < 0) {
                throw StoreException.notFound("recipient", recipient + " is not a recipient of " + id);
            }
            CompletionStage<Void> write = cql.run("UPDATE spool SET status = ?, attempts = ?, next_attempt = ?, "
                    + "last_result = ?, delay_reported = ? WHERE id = ? AND position = ?", state.status().name(),
                    state.attempts(), nanos(state.nextAttempt()), state.lastResult(), state.delayReported(),
                    id.value(), position);
            boolean finished = after.stream().allMatch(r -> r.status().isFinal());
            return finished ? write.thenCompose(v -> cql.run("DELETE FROM spool_open WHERE bucket = ? AND id = ?",
                    bucket(id), id.value())) : write;
        });
    }

    @Override
    public CompletionStage<List<SpoolId>> unfinished(SpoolId after, int limit) {
        if (limit <= 0) {
            return CompletableFuture.completedFuture(List.of());
        }
        String from = after == null ? "" : bucket(after);
        return cql.all("SELECT bucket FROM spool_buckets WHERE shard = 0 AND bucket >= ?", r -> r.getString(0), from)
                .thenCompose(buckets -> scan(buckets, 0, after, limit, new ArrayList<>()));
    }

    private CompletionStage<List<SpoolId>> scan(List<String> buckets, int index, SpoolId after, int limit,
            List<SpoolId> out) {
        if (index == buckets.size() || out.size() >= limit) {
            return CompletableFuture.completedFuture(out);
        }
        String bucket = buckets.get(index);
        String from = after == null ? "" : after.value();
        return cql.all("SELECT id FROM spool_open WHERE bucket = ? AND id > ? LIMIT ?", r -> new SpoolId(r.getString(0)),
                bucket, from, limit - out.size()).thenCompose(ids -> {
                    out.addAll(ids);
                    CompletionStage<Void> tidy = ids.isEmpty() && after == null && stale(bucket)
                            ? cql.run("DELETE FROM spool_buckets WHERE shard = 0 AND bucket = ?", bucket)
                            : CompletableFuture.completedFuture(null);
                    return tidy.thenCompose(v -> scan(buckets, index + 1, after, limit, out));
                });
    }

    /**
     * An empty bucket is forgotten only when it is well in the past (two buckets, about 35 minutes),
     * so that no entry can still be written into it.
     */
    private static boolean stale(String bucket) {
        String now = bucket(SpoolId.next());
        String twoAgo = bucket(new SpoolId(Ids.timeOrdered(System.currentTimeMillis() - 2L * (1 << 20))));
        return bucket.compareTo(twoAgo) < 0 && bucket.compareTo(now) < 0;
    }

    @Override
    public CompletionStage<Void> remove(SpoolId id) {
        return cql.one("SELECT blob_id FROM spool WHERE id = ? LIMIT 1", id.value()).thenCompose(row -> {
            if (row.isEmpty() || row.get().getString(0) == null) {
                throw StoreException.notFound("id", "no spool entry " + id);
            }
            BlobId blob = new BlobId(row.get().getString(0));
            List<CompletionStage<BoundStatement>> batch = new ArrayList<>(List.of(
                    cql.bind("DELETE FROM spool WHERE id = ?", id.value()),
                    cql.bind("DELETE FROM spool_open WHERE bucket = ? AND id = ?", bucket(id), id.value())));
            // with the entry, or a crash in between keeps its body for ever
            batch.addAll(references.bindRemove(blob, CassandraBlobReferences.spoolRef(id.value())));
            return cql.batch(BatchType.LOGGED, batch);
        });
    }

    private static Optional<SpoolEntry> entry(SpoolId id, List<Row> rows) {
        if (rows.isEmpty() || rows.get(0).getString("blob_id") == null) {
            return Optional.empty();
        }
        Row head = rows.get(0);
        List<Envelope.Recipient> recipients = new ArrayList<>();
        List<RecipientState> states = new ArrayList<>();
        for (Row r : rows) {
            if (r.isNull("position")) {
                continue;
            }
            MailAddress a = new MailAddress(r.getString("local_part"), new Domain(r.getString("domain")));
            Set<Envelope.DsnNotify> on = EnumSet.noneOf(Envelope.DsnNotify.class);
            for (String n : r.getSet("notify", String.class)) {
                on.add(Envelope.DsnNotify.valueOf(n));
            }
            recipients.add(new Envelope.Recipient(a, on, r.getString("orcpt")));
            states.add(new RecipientState(a, DeliveryStatus.valueOf(r.getString("status")), r.getInt("attempts"),
                    instant(r, "next_attempt"), r.getString("last_result"),
                    !r.isNull("delay_reported") && r.getBoolean("delay_reported")));
        }
        String local = head.getString("sender_local");
        MailAddress sender = local == null ? null : new MailAddress(local, new Domain(head.getString("sender_domain")));
        String ret = head.getString("dsn_return");
        Envelope envelope = new Envelope(sender, recipients, Envelope.BodyType.valueOf(head.getString("body")),
                head.getBoolean("smtp_utf8"), ret == null ? null : Envelope.DsnReturn.valueOf(ret),
                head.getString("env_id"), head.isNull("tls_requirement") ? Envelope.TlsRequirement.POLICY
                        : Envelope.TlsRequirement.valueOf(head.getString("tls_requirement")));
        return Optional.of(new SpoolEntry(id, envelope, new StoredBlob(new BlobId(head.getString("blob_id")),
                head.getLong("size"), head.getString("sha256")), instant(head, "received_at"),
                new SpoolEntry.ClientInfo(head.getString("helo"), head.getString("client_address"),
                        head.getString("auth_user")), states));
    }

    static Long nanos(Instant instant) {
        if (instant == null) {
            return null;
        }
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    static Instant instant(Row r, String column) {
        if (r.isNull(column)) {
            return null;
        }
        long v = r.getLong(column);
        return Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000_000L), Math.floorMod(v, 1_000_000_000L));
    }
}
