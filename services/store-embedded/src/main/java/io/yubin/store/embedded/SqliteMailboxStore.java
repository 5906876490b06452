package io.yubin.store.embedded;

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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * {@link MailboxStore} in the embedded SQLite database. Every mutation runs on the single writer
 * thread, so allocating UIDs and MODSEQs is a plain read-increment-write of the mailbox row
 * (docs/architecture.md §4.3: one writer per mailbox).
 */
final class SqliteMailboxStore implements MailboxStore {

    private static final String MAILBOX_COLUMNS =
            "id, owner_local, owner_domain, path, uid_validity, uid_next, highest_modseq, special_use";
    private static final String MESSAGE_COLUMNS = "uid, modseq, flags, internal_date, blob_id, size, sha256";

    private final SqliteDatabase db;

    SqliteMailboxStore(SqliteDatabase db) {
        this.db = db;
    }

    /** One mailbox row. */
    private record Row(String id, MailAddress owner, MailboxPath path, long uidValidity, long uidNext,
            long highestModSeq, Set<SpecialUse> specialUse) {

        Mailbox mailbox() {
            return new Mailbox(new MailboxId(id), owner, path, uidValidity, specialUse);
        }
    }

    @Override
    public CompletionStage<Void> provision(MailAddress user) {
        return db.write(c -> {
            for (DefaultMailbox d : DEFAULT_MAILBOXES) {
                if (findRow(c, user, d.path()).isEmpty()) {
                    insertMailbox(c, user, d.path(), d.specialUse());
                    subscribe(c, user, d.path());
                }
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse) {
        Set<SpecialUse> uses = Set.copyOf(specialUse);
        return db.write(c -> {
            if (findRow(c, user, path).isPresent()) {
                throw StoreException.conflict("path", "mailbox " + path + " exists");
            }
            return insertMailbox(c, user, path, uses).mailbox();
        });
    }

    @Override
    public CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse,
            long uidValidity) {
        Set<SpecialUse> uses = Set.copyOf(specialUse);
        return db.write(c -> {
            requireUidValidity(uidValidity);
            if (findRow(c, user, path).isPresent()) {
                throw StoreException.conflict("path", "mailbox " + path + " exists");
            }
            return insertMailbox(c, user, path, uses, uidValidity).mailbox();
        });
    }

    @Override
    public CompletionStage<Boolean> adoptUidValidity(Mailbox mailbox, long uidValidity) {
        return db.write(c -> {
            requireUidValidity(uidValidity);
            Row row = requireRow(c, mailbox.id());
            return row.uidNext() == 1 && row.highestModSeq() == 0 && Sql.update(c, "UPDATE mailboxes SET uid_validity = ? "
                    + "WHERE id = ? AND uid_next = 1 AND highest_modseq = 0", uidValidity, row.id()) == 1;
        });
    }

    @Override
    public CompletionStage<Void> restore(MailboxId mailbox, List<RestoredMessage> messages, long uidNext) {
        List<RestoredMessage> batch = List.copyOf(messages);
        return db.write(c -> {
            Row row = requireRow(c, mailbox);
            long next = row.uidNext();
            long modSeq = row.highestModSeq();
            for (RestoredMessage m : batch) {
                if (m.uid() < next) {
                    throw StoreException.invalid("uid", "UID " + m.uid() + " is below the mailbox's UIDNEXT " + next);
                }
                NewMessage n = m.message();
                insertMessage(c, row.id(), m.uid(), ++modSeq, n.flags(), Sql.nanos(n.internalDate()), n.blob());
                next = m.uid() + 1;
            }
            Sql.update(c, "UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?",
                    Math.max(next, uidNext), modSeq, row.id());
            return null;
        });
    }

    static void requireUidValidity(long uidValidity) {
        if (uidValidity < 1 || uidValidity > 0xFFFF_FFFFL) {
            throw StoreException.invalid("uidValidity", "UIDVALIDITY must be a non-zero 32-bit number");
        }
    }

    @Override
    public CompletionStage<Optional<Mailbox>> find(MailAddress user, MailboxPath path) {
        return db.readStatement(c -> findRow(c, user, path).map(Row::mailbox));
    }

    @Override
    public CompletionStage<List<Mailbox>> list(MailAddress user) {
        return db.read(c -> {
            List<Mailbox> out = new ArrayList<>(Sql.list(c, "SELECT " + MAILBOX_COLUMNS
                    + " FROM mailboxes WHERE owner = ?", SqliteMailboxStore::row, user.canonical()))
                    .stream().map(Row::mailbox).collect(Collectors.toCollection(ArrayList::new));
            out.sort(Comparator.comparing(Mailbox::path));
            return out;
        });
    }

    @Override
    public CompletionStage<Void> rename(MailAddress user, MailboxPath from, MailboxPath to) {
        return db.write(c -> {
            Row source = findRow(c, user, from)
                    .orElseThrow(() -> StoreException.notFound("from", "no mailbox " + from));
            if (findRow(c, user, to).isPresent()) {
                throw StoreException.conflict("to", "mailbox " + to + " exists");
            }
            if (from.isInbox()) {
                // RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox and leaves
                // INBOX (and any mailboxes below it) in place.
                Row target = insertMailbox(c, user, to, Set.of());
                moveMessages(c, source.id(), allUids(c, source.id()), target.id());
                return null;
            }
            List<Row> moving = new ArrayList<>();
            moving.add(source);
            for (Row r : rows(c, user)) {
                if (r.path().isDescendantOf(from)) {
                    moving.add(r);
                }
            }
            for (Row r : moving) {
                MailboxPath renamed = r.path().rebase(from, to);
                if (findRow(c, user, renamed).isPresent()) {
                    throw StoreException.conflict("to", "mailbox " + renamed + " exists");
                }
            }
            for (Row r : moving) {
                Sql.update(c, "UPDATE mailboxes SET path = ? WHERE id = ?", r.path().rebase(from, to).name(), r.id());
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> delete(MailAddress user, MailboxPath path) {
        return db.write(c -> {
            if (path.isInbox()) {
                throw StoreException.invalid("path", "INBOX cannot be deleted");
            }
            Row row = findRow(c, user, path).orElseThrow(() -> StoreException.notFound("path", "no mailbox " + path));
            deleteMailbox(c, row.id());
            return null;
        });
    }

    @Override
    public CompletionStage<Void> deleteAll(MailAddress user) {
        return db.write(c -> {
            for (Row r : rows(c, user)) {
                deleteMailbox(c, r.id());
            }
            Sql.update(c, "DELETE FROM subscriptions WHERE owner = ?", user.canonical());
            return null;
        });
    }

    @Override
    public CompletionStage<Void> subscribe(MailAddress user, MailboxPath path) {
        return db.write(c -> {
            subscribe(c, user, path);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> unsubscribe(MailAddress user, MailboxPath path) {
        return db.write(c -> {
            Sql.update(c, "DELETE FROM subscriptions WHERE owner = ? AND path = ?", user.canonical(), path.name());
            return null;
        });
    }

    @Override
    public CompletionStage<List<MailboxPath>> subscriptions(MailAddress user) {
        return db.read(c -> {
            List<MailboxPath> out = new ArrayList<>(Sql.list(c, "SELECT path FROM subscriptions WHERE owner = ?",
                    rs -> new MailboxPath(rs.getString(1)), user.canonical()));
            out.sort(Comparator.naturalOrder());
            return out;
        });
    }

    @Override
    public CompletionStage<AppendResult> append(MailboxId mailbox, NewMessage message) {
        return db.write(c -> {
            String key = message.deliveryKey();
            if (key != null) {
                Optional<AppendResult> earlier = Sql.one(c,
                        "SELECT mailbox_id, uid_validity, uid, modseq FROM delivery_keys WHERE key = ?",
                        rs -> new AppendResult(new MailboxId(rs.getString(1)), rs.getLong(2), rs.getLong(3),
                                rs.getLong(4), true), key);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
            }
            Row row = requireRow(c, mailbox);
            long uid = row.uidNext();
            long modSeq = row.highestModSeq() + 1;
            insertMessage(c, row.id(), uid, modSeq, message.flags(), Sql.nanos(message.internalDate()), message.blob());
            Sql.update(c, "UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?", uid + 1, modSeq,
                    row.id());
            if (key != null) {
                Sql.update(c, "INSERT INTO delivery_keys(key, mailbox_id, uid_validity, uid, modseq) "
                        + "VALUES (?, ?, ?, ?, ?)", key, row.id(), row.uidValidity(), uid, modSeq);
            }
            return new AppendResult(mailbox, row.uidValidity(), uid, modSeq, false);
        });
    }

    @Override
    public CompletionStage<MailboxStatus> status(MailboxId mailbox) {
        return db.read(c -> {
            Row row = requireRow(c, mailbox);
            return Sql.one(c, "SELECT count(*), count(*) - coalesce(sum(seen), 0), coalesce(sum(deleted), 0), "
                    + "coalesce(sum(size), 0) FROM messages WHERE mailbox_id = ?",
                    rs -> new MailboxStatus(rs.getLong(1), rs.getLong(2), rs.getLong(3), row.uidNext(),
                            row.uidValidity(), row.highestModSeq(), rs.getLong(4)), row.id()).orElseThrow();
        });
    }

    @Override
    public CompletionStage<List<MessageRecord>> messages(MailboxId mailbox, UidSet uids) {
        return db.read(c -> {
            requireRow(c, mailbox);
            return select(c, mailbox.value(), uids, false);
        });
    }

    @Override
    public CompletionStage<FlagUpdate> updateFlags(MailboxId mailbox, UidSet uids, FlagOperation operation,
            Flags flags, long unchangedSince) {
        return db.write(c -> {
            Row row = requireRow(c, mailbox);
            long modSeq = row.highestModSeq();
            List<MessageRecord> changed = new ArrayList<>();
            List<Long> modified = new ArrayList<>();
            for (MessageRecord m : select(c, row.id(), uids, false)) {
                // RFC 7162 §3.1.3: UNCHANGEDSINCE fails for messages changed after the given MODSEQ.
                if (unchangedSince >= 0 && m.modSeq() > unchangedSince) {
                    modified.add(m.uid());
                    continue;
                }
                Flags updated = switch (operation) {
                    case REPLACE -> flags;
                    case ADD -> m.flags().with(flags);
                    case REMOVE -> m.flags().without(flags);
                };
                if (updated.equals(m.flags())) {
                    continue;
                }
                modSeq++;
                Sql.update(c, "UPDATE messages SET flags = ?, seen = ?, deleted = ?, modseq = ? "
                        + "WHERE mailbox_id = ? AND uid = ?", flagText(updated), bit(updated, SystemFlag.SEEN),
                        bit(updated, SystemFlag.DELETED), modSeq, row.id(), m.uid());
                changed.add(new MessageRecord(m.uid(), modSeq, updated, m.internalDate(), m.blob()));
            }
            Sql.update(c, "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", modSeq, row.id());
            return new FlagUpdate(changed, modified);
        });
    }

    @Override
    public CompletionStage<List<MessageRecord>> expungeMessages(MailboxId mailbox, UidSet uids, boolean onlyDeleted) {
        return db.write(c -> {
            Row row = requireRow(c, mailbox);
            List<MessageRecord> gone = select(c, row.id(), uids, onlyDeleted);
            expungeMessages(c, row.id(), gone.stream().map(MessageRecord::uid).toList());
            return gone;
        });
    }

    @Override
    public CompletionStage<CopyResult> copy(MailboxId source, UidSet uids, MailboxId target) {
        return db.write(c -> {
            requireRow(c, source);
            requireRow(c, target);
            return copyMessages(c, source.value(), select(c, source.value(), uids, false), target.value());
        });
    }

    @Override
    public CompletionStage<CopyResult> move(MailboxId source, UidSet uids, MailboxId target) {
        return db.write(c -> {
            requireRow(c, source);
            requireRow(c, target);
            // RFC 6851 §3.1: copy and expunge in one write, which commits or rolls back whole, so it is atomic.
            return moveMessages(c, source.value(), uids, target.value());
        });
    }

    @Override
    public CompletionStage<Changes> changesSince(MailboxId mailbox, long modSeq) {
        return db.read(c -> {
            Row row = requireRow(c, mailbox);
            List<MessageRecord> changed = Sql.list(c, "SELECT " + MESSAGE_COLUMNS
                    + " FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid", SqliteMailboxStore::message,
                    row.id(), modSeq);
            List<Long> vanished = Sql.list(c, "SELECT uid FROM tombstones WHERE mailbox_id = ? AND modseq > ? "
                    + "ORDER BY uid", rs -> rs.getLong(1), row.id(), modSeq);
            return new Changes(changed, vanished, row.highestModSeq());
        });
    }

    @Override
    public CompletionStage<Optional<byte[]>> structure(BlobId blob) {
        return db.read(c -> Sql.one(c, "SELECT data FROM blob_structure WHERE blob_id = ?", rs -> rs.getBytes(1),
                blob.value()));
    }

    /** Blobs per IN list; with the padding below at most ten statement shapes are cached per connection. */
    private static final int STRUCTURES_PER_QUERY = 512;

    @Override
    public CompletionStage<Map<BlobId, byte[]>> structures(Collection<BlobId> blobs) {
        List<String> ids = blobs.stream().map(BlobId::value).distinct().toList();
        return db.read(c -> {
            Map<BlobId, byte[]> out = new HashMap<>();
            for (int from = 0; from < ids.size(); from += STRUCTURES_PER_QUERY) {
                List<String> chunk = new ArrayList<>(ids.subList(from, Math.min(ids.size(), from + STRUCTURES_PER_QUERY)));
                // Padded to a power of two with repeats, so the cached statements stay few.
                int slots = Integer.highestOneBit(chunk.size() - 1) << 1;
                while (chunk.size() < Math.max(1, slots)) {
                    chunk.add(chunk.get(0));
                }
                String marks = String.join(",", Collections.nCopies(chunk.size(), "?"));
                for (Map.Entry<BlobId, byte[]> e : Sql.list(c, "SELECT blob_id, data FROM blob_structure WHERE blob_id IN ("
                        + marks + ")", rs -> Map.entry(new BlobId(rs.getString(1)), rs.getBytes(2)), chunk.toArray())) {
                    out.put(e.getKey(), e.getValue());
                }
            }
            return out;
        });
    }

    @Override
    public CompletionStage<Void> putStructure(BlobId blob, byte[] structure) {
        byte[] data = structure.clone();
        return db.write(c -> {
            Sql.update(c, "INSERT OR REPLACE INTO blob_structure(blob_id, data) VALUES (?, ?)", blob.value(), data);
            return null;
        });
    }

    @Override
    public CompletionStage<Long> claimRecent(MailboxId mailbox, long uid) {
        return db.write(c -> {
            requireRow(c, mailbox);
            long before = Sql.longValue(c, "SELECT recent_upto FROM mailboxes WHERE id = ?", mailbox.value());
            if (uid > before) {
                Sql.update(c, "UPDATE mailboxes SET recent_upto = ? WHERE id = ?", uid, mailbox.value());
            }
            return before;
        });
    }

    @Override
    public CompletionStage<QuotaUsage> quotaUsage(MailAddress user) {
        return db.read(c -> Sql.one(c, "SELECT coalesce(sum(m.size), 0), count(m.uid) FROM messages m "
                + "JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.owner = ?",
                rs -> new QuotaUsage(rs.getLong(1), rs.getLong(2)), user.canonical()).orElseThrow());
    }

    private CopyResult moveMessages(Connection c, String source, UidSet uids, String target) throws SQLException {
        CopyResult copied = copyMessages(c, source, select(c, source, uids, false), target);
        expungeMessages(c, source, copied.sourceUids());
        return copied;
    }

    private static CopyResult copyMessages(Connection c, String source, List<MessageRecord> messages, String target)
            throws SQLException {
        Row t = requireRow(c, new MailboxId(target));
        long uid = t.uidNext();
        long modSeq = t.highestModSeq();
        List<Long> sourceUids = new ArrayList<>();
        List<Long> targetUids = new ArrayList<>();
        for (MessageRecord m : messages) {
            modSeq++;
            insertMessage(c, target, uid, modSeq, m.flags(), Sql.nanos(m.internalDate()), m.blob());
            sourceUids.add(m.uid());
            targetUids.add(uid);
            uid++;
        }
        Sql.update(c, "UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?", uid, modSeq, target);
        return new CopyResult(t.uidValidity(), sourceUids, targetUids);
    }

    private static void expungeMessages(Connection c, String mailbox, List<Long> uids) throws SQLException {
        if (uids.isEmpty()) {
            return;
        }
        long modSeq = requireRow(c, new MailboxId(mailbox)).highestModSeq();
        for (long uid : uids) {
            Optional<String> blob = Sql.one(c, "SELECT blob_id FROM messages WHERE mailbox_id = ? AND uid = ?",
                    rs -> rs.getString(1), mailbox, uid);
            if (blob.isEmpty()) {
                continue;
            }
            modSeq++;
            Sql.update(c, "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", mailbox, uid);
            // RFC 7162 §3.2.5.1: the tombstone lets QRESYNC report the UID as VANISHED.
            Sql.update(c, "INSERT OR REPLACE INTO tombstones(mailbox_id, uid, modseq) VALUES (?, ?, ?)", mailbox,
                    uid, modSeq);
            BlobRefCounts.decrement(c, blob.get());
        }
        Sql.update(c, "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", modSeq, mailbox);
    }

    private static void insertMessage(Connection c, String mailbox, long uid, long modSeq, Flags flags,
            long internalDate, StoredBlob blob) throws SQLException {
        Sql.update(c, "INSERT INTO messages(mailbox_id, uid, modseq, flags, seen, deleted, internal_date, blob_id, "
                + "size, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mailbox, uid, modSeq, flagText(flags),
                bit(flags, SystemFlag.SEEN), bit(flags, SystemFlag.DELETED), internalDate, blob.id().value(),
                blob.size(), blob.sha256());
        BlobRefCounts.increment(c, blob.id(), 1);
    }

    private static void deleteMailbox(Connection c, String id) throws SQLException {
        for (String blob : Sql.list(c, "SELECT blob_id FROM messages WHERE mailbox_id = ?", rs -> rs.getString(1), id)) {
            BlobRefCounts.decrement(c, blob);
        }
        Sql.update(c, "DELETE FROM messages WHERE mailbox_id = ?", id);
        Sql.update(c, "DELETE FROM tombstones WHERE mailbox_id = ?", id);
        Sql.update(c, "DELETE FROM mailboxes WHERE id = ?", id);
    }

    private static Row insertMailbox(Connection c, MailAddress user, MailboxPath path, Set<SpecialUse> specialUse)
            throws SQLException {
        return insertMailbox(c, user, path, specialUse, nextUidValidity(c));
    }

    private static Row insertMailbox(Connection c, MailAddress user, MailboxPath path, Set<SpecialUse> specialUse,
            long uidValidity) throws SQLException {
        Row row = new Row(Ids.timeOrdered(), user, path, uidValidity, 1, 0, specialUse);
        Sql.update(c, "INSERT INTO mailboxes(id, owner, owner_local, owner_domain, path, uid_validity, uid_next, "
                + "highest_modseq, special_use) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row.id(), user.canonical(),
                user.localPart(), user.domain().ascii(), path.name(), row.uidValidity(), row.uidNext(),
                row.highestModSeq(), specialUse.stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
        return row;
    }

    /**
     * RFC 9051 §2.3.1.1: a mailbox created again under an old name needs a new UIDVALIDITY. A
     * persisted counter, strictly increasing and seeded from the clock, never hands out a value twice.
     */
    private static long nextUidValidity(Connection c) throws SQLException {
        long last = Sql.longValue(c, "SELECT value FROM counters WHERE name = 'uid_validity'");
        long next = Math.max(last + 1, System.currentTimeMillis() / 1000);
        Sql.update(c, "INSERT INTO counters(name, value) VALUES ('uid_validity', ?) "
                + "ON CONFLICT(name) DO UPDATE SET value = excluded.value", next);
        return next;
    }

    private static void subscribe(Connection c, MailAddress user, MailboxPath path) throws SQLException {
        Sql.update(c, "INSERT OR IGNORE INTO subscriptions(owner, path) VALUES (?, ?)", user.canonical(), path.name());
    }

    private static Optional<Row> findRow(Connection c, MailAddress user, MailboxPath path) throws SQLException {
        return Sql.one(c, "SELECT " + MAILBOX_COLUMNS + " FROM mailboxes WHERE owner = ? AND path = ?",
                SqliteMailboxStore::row, user.canonical(), path.name());
    }

    private static List<Row> rows(Connection c, MailAddress user) throws SQLException {
        return Sql.list(c, "SELECT " + MAILBOX_COLUMNS + " FROM mailboxes WHERE owner = ?", SqliteMailboxStore::row,
                user.canonical());
    }

    private static Row requireRow(Connection c, MailboxId id) throws SQLException {
        return Sql.one(c, "SELECT " + MAILBOX_COLUMNS + " FROM mailboxes WHERE id = ?", SqliteMailboxStore::row,
                id.value()).orElseThrow(() -> StoreException.notFound("mailbox", "no mailbox " + id));
    }

    private static UidSet allUids(Connection c, String mailbox) throws SQLException {
        return UidSet.ofUids(Sql.list(c, "SELECT uid FROM messages WHERE mailbox_id = ?", rs -> rs.getLong(1), mailbox));
    }

    private static List<MessageRecord> select(Connection c, String mailbox, UidSet uids, boolean onlyDeleted)
            throws SQLException {
        List<MessageRecord> out = new ArrayList<>();
        String sql = "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ?"
                + (onlyDeleted ? " AND deleted = 1" : "") + " ORDER BY uid";
        // The ranges are sorted and disjoint, so the concatenation is ascending by UID.
        for (UidSet.Range r : uids.ranges()) {
            out.addAll(Sql.list(c, sql, SqliteMailboxStore::message, mailbox, r.first(), r.last()));
        }
        return out;
    }

    private static Row row(ResultSet rs) throws SQLException {
        String uses = rs.getString("special_use");
        Set<SpecialUse> specialUse = EnumSet.noneOf(SpecialUse.class);
        if (!uses.isEmpty()) {
            Arrays.stream(uses.split(",")).map(SpecialUse::valueOf).forEach(specialUse::add);
        }
        return new Row(rs.getString("id"), Sql.address(rs.getString("owner_local"), rs.getString("owner_domain")),
                new MailboxPath(rs.getString("path")), rs.getLong("uid_validity"), rs.getLong("uid_next"),
                rs.getLong("highest_modseq"), specialUse);
    }

    private static MessageRecord message(ResultSet rs) throws SQLException {
        String flags = rs.getString("flags");
        return new MessageRecord(rs.getLong("uid"), rs.getLong("modseq"),
                flags.isEmpty() ? Flags.NONE : Flags.of(flags.split(" ")), Sql.instant(rs, "internal_date"),
                new StoredBlob(new BlobId(rs.getString("blob_id")), rs.getLong("size"), rs.getString("sha256")));
    }

    private static String flagText(Flags flags) {
        return String.join(" ", flags.toStrings());
    }

    private static int bit(Flags flags, SystemFlag flag) {
        return flags.contains(flag) ? 1 : 0;
    }
}
