package io.yubin.store.embedded;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@link Spool} in the embedded SQLite database; {@link #accept} completes after the commit's fsync.
 *
 * <p>Entries accepted and not changed since are also kept in memory ({@link RecentEntries}), so
 * delivery's {@link #find} right after acceptance reads no row: that re-read was a large part of
 * the readers' time under SMTP load. The database stays the truth: the view is filled and emptied
 * on the writer thread right after each commit, in commit order, and a miss reads the database.
 * Only this process writes the file (docs/architecture.md §2: one process per embedded data directory).
 */
final class SqliteSpool implements Spool {

    /** Enough for every entry between acceptance and delivery at thousands of messages a second. */
    static final int RECENT_ENTRIES = 4096;

    private final SqliteDatabase db;
    private final FileBlobStore inlineBodies;
    private final RecentEntries recent = new RecentEntries(RECENT_ENTRIES);

    /**
     * @param inlineBodies the blob store keeping small bodies in {@code db}, or null; with it
     *        {@link #acceptWithBody} writes such a body and the entry in one commit
     */
    SqliteSpool(SqliteDatabase db, FileBlobStore inlineBodies) {
        this.db = db;
        this.inlineBodies = inlineBodies != null && inlineBodies.inlinesInto(db) ? inlineBodies : null;
    }

    @Override
    public CompletionStage<Void> accept(SpoolEntry entry) {
        return db.write(c -> {
            insert(c, entry);
            return null;
        }, v -> recent.put(entry));
    }

    /**
     * A body small enough to be inline is written in the same database write as the entry: one
     * group commit instead of two in sequence before the 250, and both durable when it completes.
     */
    @Override
    public CompletionStage<SpoolEntry> acceptWithBody(BlobStore blobs, InputStream body,
            Function<StoredBlob, SpoolEntry> entryFor) {
        if (blobs != inlineBodies || inlineBodies == null) {
            return Spool.super.acceptWithBody(blobs, body, entryFor);
        }
        return inlineBodies.readHead(body).thenCompose(head -> {
            if (head.length > inlineBodies.maxInline()) {
                InputStream whole = new SequenceInputStream(new ByteArrayInputStream(head), body);
                return Spool.super.acceptWithBody(blobs, whole, entryFor);
            }
            StoredBlob blob = FileBlobStore.inlineBlob(head);
            SpoolEntry entry = entryFor.apply(blob);
            return db.write(c -> {
                FileBlobStore.insertInline(c, blob, head);
                insert(c, entry);
                return entry;
            }, recent::put);
        });
    }

    private static void insert(Connection c, SpoolEntry entry) throws SQLException {
        if (Sql.exists(c, "SELECT 1 FROM spool WHERE id = ?", entry.id().value())) {
            throw StoreException.conflict("id", "spool entry " + entry.id() + " exists");
        }
        Envelope e = entry.envelope();
        MailAddress sender = e.sender();
        Sql.update(c, "INSERT INTO spool(id, sender_local, sender_domain, body, smtp_utf8, dsn_return, env_id, "
                + "blob_id, size, sha256, received_at, helo, client_address, auth_user, tls_requirement) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entry.id().value(),
                sender == null ? null : sender.localPart(), sender == null ? null : sender.domain().ascii(),
                e.body().name(), e.smtpUtf8() ? 1 : 0, e.dsnReturn() == null ? null : e.dsnReturn().name(),
                e.envId(), entry.blob().id().value(), entry.blob().size(), entry.blob().sha256(),
                Sql.nanos(entry.receivedAt()), entry.client().heloName(), entry.client().address(),
                entry.client().authenticatedUser(), tlsColumn(e.tls()));
        for (int i = 0; i < e.recipients().size(); i++) {
            Envelope.Recipient r = e.recipients().get(i);
            RecipientState s = i < entry.recipients().size() ? entry.recipients().get(i)
                    : RecipientState.queued(r.address());
            Sql.update(c, "INSERT INTO spool_recipients(spool_id, position, address, local_part, domain, notify, "
                    + "orcpt, status, attempts, next_attempt, last_result, delay_reported) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    entry.id().value(), i, r.address().canonical(), r.address().localPart(),
                    r.address().domain().ascii(),
                    r.notifyOn().stream().map(Enum::name).sorted().collect(Collectors.joining(",")),
                    r.originalRecipient(), s.status().name(), s.attempts(), Sql.nanos(s.nextAttempt()),
                    s.lastResult(), s.delayReported() ? 1 : 0);
        }
        BlobRefCounts.increment(c, entry.blob().id(), 1);
    }

    @Override
    public CompletionStage<Optional<SpoolEntry>> find(SpoolId id) {
        SpoolEntry cached = recent.get(id);
        if (cached != null) {
            return CompletableFuture.completedFuture(Optional.of(cached));
        }
        return db.read(c -> load(c, id));
    }

    @Override
    public CompletionStage<Void> update(SpoolId id, MailAddress recipient, RecipientState state) {
        return db.write(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM spool WHERE id = ?", id.value())) {
                throw StoreException.notFound("id", "no spool entry " + id);
            }
            int updated = Sql.update(c, "UPDATE spool_recipients SET status = ?, attempts = ?, next_attempt = ?, "
                    + "last_result = ?, delay_reported = ? WHERE spool_id = ? AND address = ?", state.status().name(),
                    state.attempts(), Sql.nanos(state.nextAttempt()), state.lastResult(),
                    state.delayReported() ? 1 : 0, id.value(), recipient.canonical());
            if (updated == 0) {
                throw StoreException.notFound("recipient", recipient + " is not a recipient of " + id);
            }
            return null;
        }, v -> recent.remove(id));
    }

    @Override
    public CompletionStage<List<SpoolId>> unfinished(SpoolId after, int limit) {
        return db.read(c -> Sql.list(c, "SELECT s.id FROM spool s WHERE s.id > ? AND EXISTS (SELECT 1 FROM "
                + "spool_recipients r WHERE r.spool_id = s.id AND r.status IN ('QUEUED', 'DEFERRED')) "
                + "ORDER BY s.id LIMIT ?", rs -> new SpoolId(rs.getString(1)), after == null ? "" : after.value(),
                Math.max(0, limit)));
    }

    @Override
    public CompletionStage<Void> remove(SpoolId id) {
        return db.write(c -> {
            Optional<String> blob = Sql.one(c, "SELECT blob_id FROM spool WHERE id = ?", rs -> rs.getString(1),
                    id.value());
            if (blob.isEmpty()) {
                throw StoreException.notFound("id", "no spool entry " + id);
            }
            Sql.update(c, "DELETE FROM spool_recipients WHERE spool_id = ?", id.value());
            Sql.update(c, "DELETE FROM spool WHERE id = ?", id.value());
            BlobRefCounts.decrement(c, blob.get());
            return null;
        }, v -> recent.remove(id));
    }

    /**
     * Spool entries as accepted, by id, at most {@code capacity} (the oldest go first). Only an
     * entry with one state per recipient, in envelope order, is kept, so it equals what {@link #load} returns.
     */
    private static final class RecentEntries {
        private final Map<SpoolId, SpoolEntry> entries;

        RecentEntries(int capacity) {
            this.entries = new LinkedHashMap<>(capacity * 4 / 3 + 1) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<SpoolId, SpoolEntry> eldest) {
                    return size() > capacity;
                }
            };
        }

        void put(SpoolEntry entry) {
            List<Envelope.Recipient> rcpts = entry.envelope().recipients();
            if (entry.recipients().size() != rcpts.size()) {
                return;
            }
            for (int i = 0; i < rcpts.size(); i++) {
                if (!entry.recipients().get(i).recipient().equals(rcpts.get(i).address())) {
                    return;
                }
            }
            synchronized (this) {
                entries.put(entry.id(), entry);
            }
        }

        synchronized SpoolEntry get(SpoolId id) {
            return entries.get(id);
        }

        synchronized void remove(SpoolId id) {
            entries.remove(id);
        }
    }

    private static Optional<SpoolEntry> load(Connection c, SpoolId id) throws SQLException {
        record Rcpt(Envelope.Recipient recipient, RecipientState state) {
        }
        List<Rcpt> rcpts = Sql.list(c, "SELECT * FROM spool_recipients WHERE spool_id = ? ORDER BY position", rs -> {
            MailAddress a = Sql.address(rs.getString("local_part"), rs.getString("domain"));
            String notify = rs.getString("notify");
            Set<Envelope.DsnNotify> on = EnumSet.noneOf(Envelope.DsnNotify.class);
            if (!notify.isEmpty()) {
                Arrays.stream(notify.split(",")).map(Envelope.DsnNotify::valueOf).forEach(on::add);
            }
            int attempts = rs.getInt("attempts");
            return new Rcpt(new Envelope.Recipient(a, on, rs.getString("orcpt")),
                    new RecipientState(a, DeliveryStatus.valueOf(rs.getString("status")), attempts,
                            Sql.instant(rs, "next_attempt"), rs.getString("last_result"),
                            rs.getInt("delay_reported") != 0));
        }, id.value());
        return Sql.one(c, "SELECT * FROM spool WHERE id = ?", rs -> entry(rs, rcpts.stream().map(Rcpt::recipient)
                .toList(), rcpts.stream().map(Rcpt::state).toList()), id.value());
    }

    /** NULL for the default, so rows written before V6 and after it read alike. */
    private static String tlsColumn(Envelope.TlsRequirement tls) {
        return tls == Envelope.TlsRequirement.POLICY ? null : tls.name();
    }

    private static Envelope.TlsRequirement tlsRequirement(String column) {
        return column == null ? Envelope.TlsRequirement.POLICY : Envelope.TlsRequirement.valueOf(column);
    }

    private static SpoolEntry entry(ResultSet rs, List<Envelope.Recipient> recipients, List<RecipientState> states)
            throws SQLException {
        String ret = rs.getString("dsn_return");
        Envelope envelope = new Envelope(Sql.address(rs.getString("sender_local"), rs.getString("sender_domain")),
                recipients, Envelope.BodyType.valueOf(rs.getString("body")), rs.getInt("smtp_utf8") == 1,
                ret == null ? null : Envelope.DsnReturn.valueOf(ret), rs.getString("env_id"),
                tlsRequirement(rs.getString("tls_requirement")));
        return new SpoolEntry(new SpoolId(rs.getString("id")), envelope,
                new StoredBlob(new BlobId(rs.getString("blob_id")), rs.getLong("size"), rs.getString("sha256")),
                Sql.instant(rs, "received_at"), new SpoolEntry.ClientInfo(rs.getString("helo"),
                        rs.getString("client_address"), rs.getString("auth_user")), states);
    }
}
