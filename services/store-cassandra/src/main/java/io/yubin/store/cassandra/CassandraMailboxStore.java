package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.model.Flags;
import io.yubin.model.Ids;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.model.SystemFlag;
import io.yubin.store.AppendResult;
import io.yubin.store.BlobId;
import io.yubin.store.Changes;
import io.yubin.store.CopyResult;
import io.yubin.store.FlagUpdate;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.QuotaUsage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.cassandra.MailboxWriter.State;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * {@link MailboxStore} in Cassandra. Mailbox names are unique by lightweight transaction; every
 * change to a mailbox's messages goes through its {@link MailboxWriter}, which allocates UIDs and
 * MODSEQs with one fenced conditional update per batch (docs/architecture.md §4.3).
 *
 * <p>Ordering keeps bodies safe across crashes: a message's blob reference is written before its row,
 * and removed after its row is gone. A delivery key is written after the message row, so a crash in
 * between can repeat a delivery but never lose one.
 */
final class CassandraMailboxStore implements MailboxStore {

    /** Messages per partition of {@code messages}, and MODSEQs per partition of {@code mailbox_changes}. */
    static final int BUCKET_BITS = 14;

    private static final String MESSAGE_COLUMNS = "uid, modseq, flags, internal_date, blob_id, size, sha256";

    private final Cql cql;
    private final CassandraBlobReferences references;
    private final MailboxWriter.Writers writers;

    /**
     * How long a change may stay unpublished before another writer publishes it: far beyond what a
     * live writer needs for its rows (a few request timeouts), so only a dead writer's change is taken.
     */
    static final Duration ABANDONED_AFTER = Duration.ofSeconds(60);

    /** @param retried told of every fenced retry of a writer (a metric) */
    CassandraMailboxStore(Cql cql, CassandraBlobReferences references, Runnable retried) {
        this(cql, references, retried, ABANDONED_AFTER);
    }

    CassandraMailboxStore(Cql cql, CassandraBlobReferences references, Runnable retried, Duration abandonedAfter) {
        this.cql = cql;
        this.references = references;
        this.writers = new MailboxWriter.Writers(cql, this::appendBatch, retried, abandonedAfter);
    }

    /** Conditional counter updates sent by this store's writers. */
    long counterCommits() {
        return writers.commits();
    }

    /** Changes this store's writers ran again because of another writer ({@link MailboxWriter}). */
    long fencedRetries() {
        return writers.fencedRetries();
    }

    // Mailboxes ------------------------------------------------------------------------------------

    @Override
    public CompletionStage<Void> provision(MailAddress user) {
        return list(user).thenCompose(existing -> {
            Set<MailboxPath> have = existing.stream().map(Mailbox::path).collect(Collectors.toSet());
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (DefaultMailbox d : DEFAULT_MAILBOXES) {
                if (!have.contains(d.path())) {
                    chain = chain.thenCompose(v -> create(user, d.path(), d.specialUse()).handle((m, e) -> {
                        // Provisioned concurrently elsewhere: that is fine, it is idempotent.
                        if (e != null && !(Cql.unavailable(e) instanceof StoreException se
                                && se.kind() == StoreException.Kind.CONFLICT)) {
                            throw Cql.unavailable(e);
                        }
                        return (Void) null;
                    })).thenCompose(v -> subscribe(user, d.path()));
                }
            }
            return chain;
        });
    }

    @Override
    public CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse) {
        // RFC 9051 §2.3.1.1: a mailbox created again under an old name needs a new UIDVALIDITY.
        return create(user, path, specialUse,
                previous -> Math.min(0xFFFF_FFFFL, Math.max(previous + 1, Instant.now().getEpochSecond())));
    }

    @Override
    public CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse,
            long uidValidity) {
        if (uidValidity < 1 || uidValidity > 0xFFFF_FFFFL) {
            return CompletableFuture.failedFuture(
                    StoreException.invalid("uidValidity", "UIDVALIDITY must be a non-zero 32-bit number"));
        }
        return create(user, path, specialUse, previous -> uidValidity);
    }

    private CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse,
            java.util.function.LongUnaryOperator uidValidityAfter) {
        Set<SpecialUse> uses = Set.copyOf(specialUse);
        String owner = user.canonical();
        String id = Ids.timeOrdered();
        return cql.one("SELECT last_uid_validity FROM mailbox_names WHERE owner = ? AND path = ?", owner, path.name())
                .thenCompose(last -> {
                    long uidValidity = uidValidityAfter.applyAsLong(last.map(r -> r.getLong(0)).orElse(0L));
                    // The counters exist before the name does, so an append never finds a name without them.
                    return cql.run("INSERT INTO mailbox_state (id, uid_validity, uid_next, uid_visible, highest_modseq, "
                            + "modseq_visible, messages, unseen, deleted, bytes, recent_upto) "
                            + "VALUES (?, ?, 1, 1, 0, 0, 0, 0, 0, 0, 0)", id, uidValidity)
                            .thenCompose(v -> cql.applied("INSERT INTO mailboxes (owner, path, id, uid_validity, "
                                    + "special_use) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS", owner, path.name(), id,
                                    uidValidity, names(uses)))
                            .thenCompose(applied -> {
                                if (!applied) {
                                    return cql.run("DELETE FROM mailbox_state WHERE id = ?", id).thenApply(v -> {
                                        throw StoreException.conflict("path", "mailbox " + path + " exists");
                                    });
                                }
                                return cql.run("UPDATE mailbox_names SET last_uid_validity = ? WHERE owner = ? "
                                        + "AND path = ?", uidValidity, owner, path.name()).thenApply(v ->
                                                new Mailbox(new MailboxId(id), user, path, uidValidity, uses));
                            });
                });
    }

    @Override
    public CompletionStage<Optional<Mailbox>> find(MailAddress user, MailboxPath path) {
        return cql.one("SELECT path, id, uid_validity, special_use FROM mailboxes WHERE owner = ? AND path = ?",
                user.canonical(), path.name()).thenApply(row -> row.map(r -> mailbox(user, r)));
    }

    @Override
    public CompletionStage<List<Mailbox>> list(MailAddress user) {
        return cql.all("SELECT path, id, uid_validity, special_use FROM mailboxes WHERE owner = ?",
                r -> mailbox(user, r), user.canonical()).thenApply(list -> {
                    List<Mailbox> out = new ArrayList<>(list);
                    out.sort(Comparator.comparing(Mailbox::path));
                    return out;
                });
    }

    @Override
    public CompletionStage<Void> rename(MailAddress user, MailboxPath from, MailboxPath to) {
        String owner = user.canonical();
        return list(user).thenCompose(all -> {
            Mailbox source = all.stream().filter(m -> m.path().equals(from)).findFirst()
                    .orElseThrow(() -> StoreException.notFound("from", "no mailbox " + from));
            Set<MailboxPath> taken = all.stream().map(Mailbox::path).collect(Collectors.toSet());
            if (taken.contains(to)) {
                throw StoreException.conflict("to", "mailbox " + to + " exists");
            }
            if (from.isInbox()) {
                // RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves INBOX.
                return create(user, to, Set.of()).thenCompose(target ->
                        move(source.id(), UidSet.ALL, target.id())).thenApply(r -> (Void) null);
            }
            List<Mailbox> moving = new ArrayList<>();
            moving.add(source);
            all.stream().filter(m -> m.path().isDescendantOf(from)).forEach(moving::add);
            for (Mailbox m : moving) {
                MailboxPath renamed = m.path().rebase(from, to);
                if (taken.contains(renamed)) {
                    throw StoreException.conflict("to", "mailbox " + renamed + " exists");
                }
            }
            // One conditional batch on the owner's partition: all names move, or none does.
            List<CompletionStage<com.datastax.oss.driver.api.core.cql.BoundStatement>> batch = new ArrayList<>();
            for (Mailbox m : moving) {
                batch.add(cql.bind("INSERT INTO mailboxes (owner, path, id, uid_validity, special_use) "
                        + "VALUES (?, ?, ?, ?, ?) IF NOT EXISTS", owner, m.path().rebase(from, to).name(), m.id().value(),
                        m.uidValidity(), names(m.specialUse())));
                batch.add(cql.bind("DELETE FROM mailboxes WHERE owner = ? AND path = ?", owner, m.path().name()));
            }
            return cql.conditionalBatch(batch).thenCompose(applied -> {
                if (!applied) {
                    throw StoreException.conflict("to", "a mailbox below " + to + " was created meanwhile");
                }
                List<CompletionStage<?>> names = new ArrayList<>();
                for (Mailbox m : moving) {
                    names.add(cql.run("UPDATE mailbox_names SET last_uid_validity = ? WHERE owner = ? AND path = ?",
                            m.uidValidity(), owner, m.path().rebase(from, to).name()));
                }
                return cql.parallel(names);
            });
        });
    }

    @Override
    public CompletionStage<Void> delete(MailAddress user, MailboxPath path) {
        if (path.isInbox()) {
            return CompletableFuture.failedFuture(StoreException.invalid("path", "INBOX cannot be deleted"));
        }
        return find(user, path).thenCompose(found -> {
            Mailbox m = found.orElseThrow(() -> StoreException.notFound("path", "no mailbox " + path));
            return deleteMailbox(m);
        });
    }

    @Override
    public CompletionStage<Void> deleteAll(MailAddress user) {
        return list(user).thenCompose(all -> {
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (Mailbox m : all) {
                chain = chain.thenCompose(v -> deleteMailbox(m));
            }
            return chain.thenCompose(v -> cql.run("DELETE FROM subscriptions WHERE owner = ?", user.canonical()));
        });
    }

    /**
     * The name goes first (conditional on the id, in case it was recreated), then the counters, then
     * the messages and their change log, then the blob references: nothing is left referring to a body
     * that is gone.
     */
    private CompletionStage<Void> deleteMailbox(Mailbox m) {
        String id = m.id().value();
        return writers.submit(m.id(), (writer, state) -> cql.applied("DELETE FROM mailboxes WHERE owner = ? AND "
                + "path = ? IF id = ?", m.owner().canonical(), m.path().name(), id)
                .thenCompose(applied -> cql.run("DELETE FROM mailbox_state WHERE id = ?", id))
                .thenCompose(v -> {
                    writer.forget();
                    List<CompletionStage<List<MessageRecord>>> reads = new ArrayList<>();
                    for (long b = 0; b <= bucket(Math.max(0, state.uidNext() - 1)); b++) {
                        reads.add(cql.all("SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE mailbox_id = ? AND "
                                + "bucket = ?", CassandraMailboxStore::message, id, b));
                    }
                    return Cql.all(reads);
                })
                .thenCompose(lists -> {
                    List<CompletionStage<?>> drop = new ArrayList<>();
                    for (long b = 0; b <= bucket(Math.max(0, state.uidNext() - 1)); b++) {
                        drop.add(cql.run("DELETE FROM messages WHERE mailbox_id = ? AND bucket = ?", id, b));
                    }
                    for (long b = 0; b <= bucket(state.highestModSeq()); b++) {
                        drop.add(cql.run("DELETE FROM mailbox_changes WHERE mailbox_id = ? AND bucket = ?", id, b));
                    }
                    return cql.parallel(drop).thenCompose(v -> cql.parallel(lists.stream().flatMap(List::stream)
                            .map(r -> (CompletionStage<?>) references.remove(r.blob().id(),
                                    CassandraBlobReferences.messageRef(id, r.uid()))).toList()));
                }));
    }

    @Override
    public CompletionStage<Void> subscribe(MailAddress user, MailboxPath path) {
        return cql.run("INSERT INTO subscriptions (owner, path) VALUES (?, ?)", user.canonical(), path.name());
    }

    @Override
    public CompletionStage<Void> unsubscribe(MailAddress user, MailboxPath path) {
        return cql.run("DELETE FROM subscriptions WHERE owner = ? AND path = ?", user.canonical(), path.name());
    }

    @Override
    public CompletionStage<List<MailboxPath>> subscriptions(MailAddress user) {
        return cql.all("SELECT path FROM subscriptions WHERE owner = ?", r -> new MailboxPath(r.getString(0)),
                user.canonical()).thenApply(list -> list.stream().sorted().toList());
    }

    // Messages -------------------------------------------------------------------------------------

    @Override
    public CompletionStage<AppendResult> append(MailboxId mailbox, NewMessage message) {
        return writers.append(mailbox, message).thenApply(r -> (AppendResult) r);
    }

    /** A message to write: what to append, and the UID and MODSEQ it gets. */
    private record Placed(NewMessage message, long uid, long modSeq) {
    }

    /**
     * Appends queued together: duplicates (a used delivery key, or the same key twice in the batch)
     * are answered with the earlier result; the rest get consecutive UIDs in one fenced update.
     */
    private MailboxWriter.Change<List<Object>> appendBatch(List<MailboxWriter.Append> appends) {
        return (writer, state) -> {
            List<CompletionStage<Optional<AppendResult>>> earlier = new ArrayList<>();
            for (MailboxWriter.Append a : appends) {
                String key = a.message().deliveryKey();
                earlier.add(key == null ? CompletableFuture.completedFuture(Optional.empty())
                        : cql.one("SELECT mailbox_id, uid_validity, uid, modseq FROM delivery_keys WHERE key = ?", key)
                                .thenApply(row -> row.map(r -> new AppendResult(new MailboxId(r.getString(0)),
                                        r.getLong(1), r.getLong(2), r.getLong(3), true))));
            }
            return Cql.all(earlier).thenCompose(found -> {
                Object[] results = new Object[appends.size()];
                Map<String, Integer> keyInBatch = new HashMap<>();
                List<NewMessage> fresh = new ArrayList<>();
                List<Integer> freshIndex = new ArrayList<>();
                for (int i = 0; i < appends.size(); i++) {
                    NewMessage m = appends.get(i).message();
                    if (found.get(i).isPresent()) {
                        results[i] = found.get(i).get();
                    } else if (m.deliveryKey() != null && keyInBatch.containsKey(m.deliveryKey())) {
                        results[i] = keyInBatch.get(m.deliveryKey());
                    } else {
                        if (m.deliveryKey() != null) {
                            keyInBatch.put(m.deliveryKey(), i);
                        }
                        fresh.add(m);
                        freshIndex.add(i);
                    }
                }
                MailboxId mailbox = new MailboxId(writer.id());
                return place(writer, state, fresh).thenApply(placed -> {
                    for (int j = 0; j < placed.size(); j++) {
                        Placed p = placed.get(j);
                        results[freshIndex.get(j)] = new AppendResult(mailbox, state.uidValidity(), p.uid(), p.modSeq(),
                                false);
                    }
                    List<Object> out = new ArrayList<>();
                    for (Object r : results) {
                        if (r instanceof Integer first) {
                            AppendResult a = (AppendResult) results[first];
                            out.add(new AppendResult(a.mailbox(), a.uidValidity(), a.uid(), a.modSeq(), true));
                        } else {
                            out.add(r);
                        }
                    }
                    return out;
                });
            });
        };
    }

    /** Gives the messages the next UIDs and MODSEQs, moves the counters, then writes the messages. */
    private CompletionStage<List<Placed>> place(MailboxWriter writer, State s, List<NewMessage> messages) {
        if (messages.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            placed.add(new Placed(messages.get(i), s.uidNext() + i, s.highestModSeq() + 1 + i));
        }
        return write(writer, s, placed, s.uidNext() + messages.size());
    }

    @Override
    public CompletionStage<Boolean> adoptUidValidity(Mailbox mailbox, long uidValidity) {
        if (uidValidity < 1 || uidValidity > 0xFFFF_FFFFL) {
            return CompletableFuture.failedFuture(
                    StoreException.invalid("uidValidity", "UIDVALIDITY must be a non-zero 32-bit number"));
        }
        String id = mailbox.id().value();
        return writers.submit(mailbox.id(), (writer, s) -> {
            if (s.uidNext() != 1 || s.highestModSeq() != 0) {
                return CompletableFuture.completedFuture(false);
            }
            return cql.applied("UPDATE mailbox_state SET uid_validity = ? WHERE id = ? IF uid_next = 1 AND "
                    + "highest_modseq = 0", uidValidity, id).thenCompose(applied -> {
                        writer.forget();
                        if (!applied) {
                            return CompletableFuture.completedFuture(false);
                        }
                        String owner = mailbox.owner().canonical();
                        return cql.run("UPDATE mailboxes SET uid_validity = ? WHERE owner = ? AND path = ?", uidValidity,
                                owner, mailbox.path().name())
                                .thenCompose(v -> cql.run("UPDATE mailbox_names SET last_uid_validity = ? WHERE owner = ? "
                                        + "AND path = ?", uidValidity, owner, mailbox.path().name()))
                                .thenApply(v -> true);
                    });
        });
    }

    @Override
    public CompletionStage<Void> restore(MailboxId mailbox, List<RestoredMessage> messages, long uidNext) {
        List<RestoredMessage> batch = List.copyOf(messages);
        return writers.submit(mailbox, (writer, s) -> {
            List<Placed> placed = new ArrayList<>();
            long next = s.uidNext();
            for (int i = 0; i < batch.size(); i++) {
                RestoredMessage m = batch.get(i);
                if (m.uid() < next) {
                    return CompletableFuture.failedFuture(StoreException.invalid("uid",
                            "UID " + m.uid() + " is below the mailbox's UIDNEXT " + next));
                }
                placed.add(new Placed(m.message(), m.uid(), s.highestModSeq() + 1 + i));
                next = m.uid() + 1;
            }
            return write(writer, s, placed, Math.max(next, uidNext)).thenApply(p -> (Void) null);
        });
    }

    /** Moves the counters past the placed messages, then writes them. */
    private CompletionStage<List<Placed>> write(MailboxWriter writer, State s, List<Placed> placed, long uidNext) {
        long unseen = 0;
        long deleted = 0;
        long bytes = 0;
        for (Placed p : placed) {
            NewMessage m = p.message();
            unseen += m.flags().contains(SystemFlag.SEEN) ? 0 : 1;
            deleted += m.flags().contains(SystemFlag.DELETED) ? 1 : 0;
            bytes += m.blob().size();
        }
        int n = placed.size();
        State next = new State(s.uidValidity(), uidNext, s.highestModSeq() + n, s.messages() + n,
                s.unseen() + unseen, s.deleted() + deleted, s.bytes() + bytes, s.recentUpto());
        String id = writer.id();
        // One logged batch per message: its blob reference, its row, its change and its delivery key are
        // written all or nothing. Written one after the other, a crash between the row and the key left
        // a message whose re-delivery after the restart found no key and appended it a second time.
        return writer.apply(s, next, () -> cql.parallel(placed.stream().map(p -> (CompletionStage<?>) cql.batch(
                BatchType.LOGGED, messageWrites(id, s.uidValidity(), p))).toList()))
                .thenApply(v -> placed);
    }

    /** The statements that make one placed message exist; see {@link #place}. */
    private List<CompletionStage<BoundStatement>> messageWrites(String id, long uidValidity, Placed p) {
        NewMessage m = p.message();
        List<CompletionStage<BoundStatement>> writes = new ArrayList<>();
        writes.add(references.bindAdd(m.blob().id(), CassandraBlobReferences.messageRef(id, p.uid())));
        writes.add(cql.bind("INSERT INTO messages (mailbox_id, bucket, uid, modseq, flags, internal_date, blob_id, "
                + "size, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", id, bucket(p.uid()), p.uid(), p.modSeq(),
                flagSet(m.flags()), CassandraSpool.nanos(m.internalDate()), m.blob().id().value(), m.blob().size(),
                m.blob().sha256()));
        writes.add(cql.bind("INSERT INTO mailbox_changes (mailbox_id, bucket, modseq, uid, expunged) VALUES (?, ?, ?, ?, ?)",
                id, bucket(p.modSeq()), p.modSeq(), p.uid(), false));
        if (m.deliveryKey() != null) {
            writes.add(cql.bind("INSERT INTO delivery_keys (key, mailbox_id, uid_validity, uid, modseq) "
                    + "VALUES (?, ?, ?, ?, ?)", m.deliveryKey(), id, uidValidity, p.uid(), p.modSeq()));
        }
        return writes;
    }

    @Override
    public CompletionStage<MailboxStatus> status(MailboxId mailbox) {
        return MailboxWriter.readVisible(cql, mailbox.value()).thenApply(found -> found.orElseThrow(
                () -> StoreException.notFound("mailbox", "no mailbox " + mailbox))).thenApply(s -> new MailboxStatus(s.messages(), s.unseen(), s.deleted(),
                s.uidNext(), s.uidValidity(), s.highestModSeq(), s.bytes()));
    }

    @Override
    public CompletionStage<List<MessageRecord>> messages(MailboxId mailbox, UidSet uids) {
        return requireState(mailbox).thenCompose(s -> select(mailbox.value(), s, uids));
    }

    @Override
    public CompletionStage<FlagUpdate> updateFlags(MailboxId mailbox, UidSet uids, FlagOperation operation,
            Flags flags, long unchangedSince) {
        return writers.submit(mailbox, (writer, s) -> select(mailbox.value(), s, uids).thenCompose(current -> {
            List<MessageRecord> changing = new ArrayList<>();
            List<Long> modified = new ArrayList<>();
            for (MessageRecord m : current) {
                Flags updated = switch (operation) {
                    case REPLACE -> flags;
                    case ADD -> m.flags().with(flags);
                    case REMOVE -> m.flags().without(flags);
                };
                if (unchangedSince >= 0 && m.modSeq() > unchangedSince) {
                    modified.add(m.uid());
                } else if (!updated.equals(m.flags())) {
                    changing.add(new MessageRecord(m.uid(), m.modSeq(), updated, m.internalDate(), m.blob()));
                }
            }
            if (changing.isEmpty()) {
                return CompletableFuture.completedFuture(new FlagUpdate(List.of(), modified));
            }
            long unseen = s.unseen();
            long deleted = s.deleted();
            long modSeq = s.highestModSeq();
            List<MessageRecord> changed = new ArrayList<>();
            Map<Long, MessageRecord> before = current.stream().collect(Collectors.toMap(MessageRecord::uid, m -> m));
            for (MessageRecord m : changing) {
                MessageRecord old = before.get(m.uid());
                unseen += seen(old.flags()) - seen(m.flags());
                deleted += deletedBit(m.flags()) - deletedBit(old.flags());
                changed.add(new MessageRecord(m.uid(), ++modSeq, m.flags(), m.internalDate(), m.blob()));
            }
            State next = new State(s.uidValidity(), s.uidNext(), modSeq, s.messages(), unseen, deleted, s.bytes(),
                    s.recentUpto());
            String id = mailbox.value();
            return writer.apply(s, next, () -> cql.parallel(changed.stream().<CompletionStage<?>>flatMap(m ->
                    java.util.stream.Stream.of(
                            cql.run("UPDATE messages SET flags = ?, modseq = ? WHERE mailbox_id = ? AND bucket = ? "
                                    + "AND uid = ?", flagSet(m.flags()), m.modSeq(), id, bucket(m.uid()), m.uid()),
                            unlogChange(id, before.get(m.uid()).modSeq(), m.uid()),
                            logChange(id, m.modSeq(), m.uid(), false))).toList()))
                    .thenApply(v -> new FlagUpdate(changed, modified));
        }));
    }

    @Override
    public CompletionStage<List<MessageRecord>> expungeMessages(MailboxId mailbox, UidSet uids, boolean onlyDeleted) {
        return writers.submit(mailbox, (writer, s) -> select(mailbox.value(), s, uids).thenCompose(current -> {
            List<MessageRecord> gone = current.stream()
                    .filter(m -> !onlyDeleted || m.flags().contains(SystemFlag.DELETED)).toList();
            return expungeRecords(writer, s, gone);
        }));
    }

    /** Removes the rows (leaving VANISHED entries in the change log), then their blob references. */
    private CompletionStage<List<MessageRecord>> expungeRecords(MailboxWriter writer, State s,
            List<MessageRecord> gone) {
        if (gone.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        long unseen = s.unseen();
        long deleted = s.deleted();
        long bytes = s.bytes();
        for (MessageRecord m : gone) {
            unseen -= seen(m.flags()) == 0 ? 1 : 0;
            deleted -= deletedBit(m.flags());
            bytes -= m.size();
        }
        int n = gone.size();
        State next = new State(s.uidValidity(), s.uidNext(), s.highestModSeq() + n, s.messages() - n, unseen, deleted,
                bytes, s.recentUpto());
        String id = writer.id();
        // The rows go before the blob references (a crash leaves a reference too many, never too few).
        return writer.apply(s, next, () -> {
            List<CompletionStage<?>> rows = new ArrayList<>();
            long modSeq = s.highestModSeq();
            for (MessageRecord m : gone) {
                modSeq++;
                rows.add(cql.run("DELETE FROM messages WHERE mailbox_id = ? AND bucket = ? AND uid = ?", id,
                        bucket(m.uid()), m.uid()));
                rows.add(unlogChange(id, m.modSeq(), m.uid()));
                // RFC 7162 §3.2.5.1: the entry lets QRESYNC report the UID as VANISHED.
                rows.add(logChange(id, modSeq, m.uid(), true));
            }
            return cql.parallel(rows).thenCompose(v -> cql.parallel(gone.stream().map(m -> (CompletionStage<?>)
                    references.remove(m.blob().id(), CassandraBlobReferences.messageRef(id, m.uid()))).toList()));
        })
                .thenApply(v -> gone);
    }

    @Override
    public CompletionStage<CopyResult> copy(MailboxId source, UidSet uids, MailboxId target) {
        return requireState(target).thenCompose(t -> messages(source, uids)).thenCompose(records ->
                writers.submit(target, (writer, s) -> place(writer, s, records.stream()
                        .map(m -> new NewMessage(m.blob(), m.internalDate(), m.flags(), null)).toList())
                        .thenApply(placed -> new CopyResult(s.uidValidity(),
                                records.stream().map(MessageRecord::uid).toList(),
                                placed.stream().map(Placed::uid).toList()))));
    }

    /**
     * Copy, then expunge the copied sources. Not one transaction across two mailboxes: a crash in
     * between leaves the message in both (never in neither).
     */
    @Override
    public CompletionStage<CopyResult> move(MailboxId source, UidSet uids, MailboxId target) {
        return requireState(source).thenCompose(s -> copy(source, uids, target)).thenCompose(copied ->
                writers.submit(source, (writer, s) -> select(source.value(), s, UidSet.ofUids(copied.sourceUids()))
                        .thenCompose(records -> expungeRecords(writer, s, records)))
                        .thenApply(gone -> copied));
    }

    @Override
    public CompletionStage<Changes> changesSince(MailboxId mailbox, long modSeq) {
        String id = mailbox.value();
        return requireState(mailbox).thenCompose(s -> {
            List<CompletionStage<List<Row>>> reads = new ArrayList<>();
            // Only published changes (MailboxWriter): one in flight may have logged some entries already.
            for (long b = bucket(Math.max(0, modSeq + 1)); b <= bucket(s.highestModSeq()); b++) {
                reads.add(cql.all("SELECT modseq, uid, expunged FROM mailbox_changes WHERE mailbox_id = ? AND bucket = ? "
                        + "AND modseq > ? AND modseq <= ?", id, b, modSeq, s.highestModSeq()));
            }
            return Cql.all(reads).thenCompose(lists -> {
                TreeSet<Long> live = new TreeSet<>();
                TreeSet<Long> vanished = new TreeSet<>();
                for (List<Row> rows : lists) {
                    for (Row r : rows) {
                        (r.getBoolean("expunged") ? vanished : live).add(r.getLong("uid"));
                    }
                }
                live.removeAll(vanished);
                CompletionStage<List<MessageRecord>> changed = live.isEmpty()
                        ? CompletableFuture.completedFuture(List.of())
                        : select(id, s, UidSet.ofUids(new ArrayList<>(live)));
                // A message changed again by a change still in flight is told once that is published.
                return changed.thenApply(records -> new Changes(records.stream().filter(m -> m.modSeq() > modSeq
                        && m.modSeq() <= s.highestModSeq()).toList(), List.copyOf(vanished), s.highestModSeq()));
            });
        });
    }

    @Override
    public CompletionStage<Optional<byte[]>> structure(BlobId blob) {
        return cql.one("SELECT data FROM blob_structure WHERE blob_id = ?", blob.value()).thenApply(row -> row.map(r -> {
            ByteBuffer b = r.getByteBuffer(0);
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }));
    }

    /**
     * One partition per blob: an IN over many partition keys would make one coordinator fan out and
     * wait for the slowest; bounded concurrent single-partition reads go token-aware to the replicas.
     */
    @Override
    public CompletionStage<Map<BlobId, byte[]>> structures(Collection<BlobId> blobs) {
        List<BlobId> ids = blobs.stream().distinct().toList();
        return Cql.bounded(ids, this::structure).thenApply(found -> {
            Map<BlobId, byte[]> out = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                BlobId id = ids.get(i);
                found.get(i).ifPresent(data -> out.put(id, data));
            }
            return Map.copyOf(out);
        });
    }

    @Override
    public CompletionStage<Void> putStructure(BlobId blob, byte[] structure) {
        return cql.run("INSERT INTO blob_structure (blob_id, data) VALUES (?, ?)", blob.value(),
                ByteBuffer.wrap(structure.clone()));
    }

    @Override
    public CompletionStage<Long> claimRecent(MailboxId mailbox, long uid) {
        return writers.submit(mailbox, (writer, s) -> uid <= s.recentUpto()
                ? CompletableFuture.completedFuture(s.recentUpto())
                : writer.commit(s, s.withRecentUpto(uid)).thenApply(v -> s.recentUpto()));
    }

    @Override
    public CompletionStage<QuotaUsage> quotaUsage(MailAddress user) {
        return list(user).thenCompose(all -> Cql.all(all.stream().map(m -> MailboxWriter.read(cql, m.id().value()))
                .toList())).thenApply(states -> {
                    long bytes = 0;
                    long messages = 0;
                    for (Optional<State> s : states) {
                        if (s.isPresent()) {
                            bytes += s.get().bytes();
                            messages += s.get().messages();
                        }
                    }
                    return new QuotaUsage(bytes, messages);
                });
    }

    // Reading --------------------------------------------------------------------------------------

    /** The counters as readers may see them: UIDNEXT and HIGHESTMODSEQ at the published watermark. */
    private CompletionStage<State> requireState(MailboxId mailbox) {
        return MailboxWriter.readVisible(cql, mailbox.value()).thenApply(s -> s.orElseThrow(
                () -> StoreException.notFound("mailbox", "no mailbox " + mailbox)));
    }

    /**
     * The messages in {@code uids} below the mailbox's UIDNEXT, ascending: one slice per bucket and
     * range, or the bucket's whole span when a set has many small ranges in one bucket.
     */
    private CompletionStage<List<MessageRecord>> select(String id, State s, UidSet uids) {
        long last = s.uidNext() - 1;
        if (last < 1) {
            return CompletableFuture.completedFuture(List.of());
        }
        Map<Long, List<UidSet.Range>> byBucket = new java.util.TreeMap<>();
        for (UidSet.Range r : uids.ranges()) {
            long first = Math.max(1, r.first());
            long end = Math.min(last, r.last());
            for (long b = bucket(first); first <= end && b <= bucket(end); b++) {
                long lo = Math.max(first, b << BUCKET_BITS);
                long hi = Math.min(end, ((b + 1) << BUCKET_BITS) - 1);
                byBucket.computeIfAbsent(b, k -> new ArrayList<>()).add(new UidSet.Range(lo, hi));
            }
        }
        List<CompletionStage<List<MessageRecord>>> reads = new ArrayList<>();
        for (Map.Entry<Long, List<UidSet.Range>> e : byBucket.entrySet()) {
            List<UidSet.Range> ranges = e.getValue();
            if (ranges.size() > 8) {
                long lo = ranges.get(0).first();
                long hi = ranges.get(ranges.size() - 1).last();
                UidSet wanted = UidSet.of(ranges);
                reads.add(slice(id, e.getKey(), lo, hi).thenApply(list -> list.stream()
                        .filter(m -> wanted.contains(m.uid())).toList()));
            } else {
                for (UidSet.Range r : ranges) {
                    reads.add(slice(id, e.getKey(), r.first(), r.last()));
                }
            }
        }
        return Cql.all(reads).thenApply(lists -> lists.stream().flatMap(List::stream).toList());
    }

    private CompletionStage<List<MessageRecord>> slice(String id, long bucket, long first, long last) {
        return cql.all("SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE mailbox_id = ? AND bucket = ? AND uid >= ? "
                + "AND uid <= ?", CassandraMailboxStore::message, id, bucket, first, last);
    }

    private CompletionStage<Void> logChange(String id, long modSeq, long uid, boolean expunged) {
        return cql.run("INSERT INTO mailbox_changes (mailbox_id, bucket, modseq, uid, expunged) VALUES (?, ?, ?, ?, ?)",
                id, bucket(modSeq), modSeq, uid, expunged);
    }

    private CompletionStage<Void> unlogChange(String id, long modSeq, long uid) {
        return cql.run("DELETE FROM mailbox_changes WHERE mailbox_id = ? AND bucket = ? AND modseq = ? AND uid = ?",
                id, bucket(modSeq), modSeq, uid);
    }

    static long bucket(long n) {
        return n >> BUCKET_BITS;
    }

    private static Mailbox mailbox(MailAddress user, Row r) {
        Set<SpecialUse> uses = EnumSet.noneOf(SpecialUse.class);
        for (String u : r.getSet("special_use", String.class)) {
            uses.add(SpecialUse.valueOf(u));
        }
        return new Mailbox(new MailboxId(r.getString("id")), user, new MailboxPath(r.getString("path")),
                r.getLong("uid_validity"), uses);
    }

    private static MessageRecord message(Row r) {
        Set<String> flags = r.getSet("flags", String.class);
        return new MessageRecord(r.getLong("uid"), r.getLong("modseq"), flags.isEmpty() ? Flags.NONE : Flags.of(flags),
                CassandraSpool.instant(r, "internal_date"), new StoredBlob(new BlobId(r.getString("blob_id")),
                        r.getLong("size"), r.getString("sha256")));
    }

    private static Set<String> names(Set<SpecialUse> uses) {
        return uses.stream().map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> flagSet(Flags flags) {
        return new TreeSet<>(flags.toStrings());
    }

    private static long seen(Flags f) {
        return f.contains(SystemFlag.SEEN) ? 1 : 0;
    }

    private static long deletedBit(Flags f) {
        return f.contains(SystemFlag.DELETED) ? 1 : 0;
    }
}
