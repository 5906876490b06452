package io.yubin.backup;

import io.yubin.backup.Archive.AliasEntry;
import io.yubin.backup.Archive.AppPasswordEntry;
import io.yubin.backup.Archive.DomainEntry;
import io.yubin.backup.Archive.MailboxEntry;
import io.yubin.backup.Archive.MessageEntry;
import io.yubin.backup.Archive.UserEntry;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.Alias;
import io.yubin.store.AppPassword;
import io.yubin.store.Changes;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MessageRecord;
import io.yubin.store.QuotaLimits;
import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.store.UserRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a backup archive ({@link Archive}) of a running system through the store SPI: nothing is
 * stopped or locked. Each mailbox is read as it stands when its turn comes: its counters first, then
 * its messages, then their bodies, which never change once written. A message expunged while the
 * backup runs may be left out; one whose body is missing while it still exists fails the backup,
 * which must never leave mail out quietly.
 *
 * <p>Incremental: given the contents of the archive it continues, a mailbox with the same
 * UIDVALIDITY holds only what changed since that archive's HIGHESTMODSEQ (RFC 7162) and the UIDs
 * that vanished, with the bodies of the messages that are new; any other mailbox is written whole.
 */
public final class BackupWriter {

    private static final Logger LOG = LoggerFactory.getLogger(BackupWriter.class);

    /** What was written. */
    public record Result(String id, int users, int mailboxes, long messages, long bodies, long bodyBytes) {
    }

    private final Storage storage;
    private final Clock clock;

    public BackupWriter(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /**
     * Writes the archive to {@code out} (not closed; finished, so the caller may close it).
     *
     * @param base the archive this one continues, or null for a full backup; it must hold the same scope
     */
    public Result write(OutputStream out, BackupScope scope, Archive.Contents base) throws IOException {
        if (base != null && !base.header().scope().equals(scope.toString())) {
            throw new BackupException("the base archive holds " + base.header().scope() + ", not " + scope);
        }
        Map<String, MailboxEntry> before = new HashMap<>();
        if (base != null) {
            for (MailboxEntry m : base.mailboxes()) {
                before.put(m.user() + "\0" + m.path(), m);
            }
        }
        Writer w = new Writer(out);
        String id = UUID.randomUUID().toString();
        w.json(Archive.HEADER, new Archive.Header(Archive.FORMAT, id, clock.instant().toString(), scope.toString(),
                base == null ? null : base.header().id()));
        List<UserRecord> users = new ArrayList<>();
        int domainIndex = 0;
        for (Domain domain : domains(scope)) {
            List<AliasEntry> aliases = new ArrayList<>();
            QuotaLimits quota = scope.kind() == BackupScope.Kind.USER ? QuotaLimits.NONE
                    : await(storage.directory().domainQuota(domain));
            for (Alias a : await(storage.directory().listAliases(domain))) {
                if (scope.kind() != BackupScope.Kind.USER || a.target().equals(scope.user())) {
                    aliases.add(new AliasEntry(a.source().canonical(), a.target().canonical()));
                }
            }
            w.json(Archive.DOMAINS + domainIndex++ + ".json", new DomainEntry(domain.ascii(), aliases,
                    quota.storageBytes(), quota.messages()));
            if (scope.kind() == BackupScope.Kind.USER) {
                users.add(await(storage.directory().findUser(scope.user())).orElseThrow(
                        () -> new BackupException("no user " + scope.user())));
            } else {
                users.addAll(await(storage.directory().listUsers(domain)));
            }
        }
        int mailboxCount = 0;
        long messages = 0;
        for (int u = 0; u < users.size(); u++) {
            UserRecord user = users.get(u);
            MailAddress address = user.address();
            List<String> paths = new ArrayList<>();
            List<Mailbox> mailboxes = await(storage.mailboxes().list(address));
            for (int m = 0; m < mailboxes.size(); m++) {
                Mailbox mailbox = mailboxes.get(m);
                MailboxEntry previous = before.get(address.canonical() + "\0" + mailbox.path().name());
                MailboxEntry entry = mailbox(w, address, mailbox, previous);
                if (entry == null) {
                    continue; // deleted while we were at it
                }
                w.json(Archive.USERS + u + "/mailboxes/" + m + ".json", entry);
                paths.add(mailbox.path().name());
                mailboxCount++;
                messages += entry.messages().size();
            }
            List<AppPasswordEntry> appPasswords = await(storage.directory().listAppPasswords(address)).stream()
                    .map(BackupWriter::appPassword).toList();
            List<String> subscriptions = await(storage.mailboxes().subscriptions(address)).stream()
                    .map(MailboxPath::name).sorted().toList();
            w.json(Archive.USERS + u + "/user.json", new UserEntry(address.canonical(), user.passwordHash(),
                    user.quota().storageBytes(), user.quota().messages(), user.createdAt().toString(), appPasswords, subscriptions, paths,
                    spamModel(address.canonical()), user.totp().map(t -> t.secret()).orElse(null),
                    user.totp().map(t -> t.enrolledAt().toString()).orElse(null)));
        }
        if (scope.kind() == BackupScope.Kind.ALL) {
            String global = spamModel(SpamModels.GLOBAL);
            if (global != null) {
                w.json(Archive.GLOBAL_SPAM, new Archive.SpamEntry(global));
            }
            List<Archive.AdminEntry> admins = await(storage.administrators().list()).stream()
                    .map(a -> new Archive.AdminEntry(a.name(), a.passwordHash(), a.role().name(),
                            a.domains().stream().map(Domain::ascii).toList(), a.totp().map(t -> t.secret()).orElse(null),
                            a.totp().map(t -> t.enrolledAt().toString()).orElse(null), a.createdAt().toString()))
                    .toList();
            w.json(Archive.ADMINISTRATORS, new Archive.AdminsEntry(admins));
        }
        w.end();
        return new Result(id, users.size(), mailboxCount, messages, w.bodies.size(), w.bodyBytes);
    }

    private List<Domain> domains(BackupScope scope) {
        return switch (scope.kind()) {
            case ALL -> await(storage.directory().listDomains()).stream()
                    .sorted(java.util.Comparator.comparing(Domain::ascii)).toList();
            case DOMAIN -> {
                if (!await(storage.directory().isLocalDomain(scope.domain()))) {
                    throw new BackupException("no domain " + scope.domain().ascii());
                }
                yield List.of(scope.domain());
            }
            case USER -> List.of(scope.user().domain());
        };
    }

    /** Writes a mailbox's bodies and returns its entry; null when it was deleted meanwhile. */
    private MailboxEntry mailbox(Writer w, MailAddress user, Mailbox mailbox, MailboxEntry previous) throws IOException {
        MailboxStatus status;
        List<MessageRecord> records;
        List<Long> vanished = List.of();
        boolean full = previous == null || previous.uidValidity() != mailbox.uidValidity();
        long newFrom = 1;
        try {
            status = await(storage.mailboxes().status(mailbox.id()));
            if (full) {
                records = await(storage.mailboxes().messages(mailbox.id(), UidSet.ALL));
            } else {
                Changes changes = await(storage.mailboxes().changesSince(mailbox.id(), previous.highestModSeq()));
                records = changes.changed();
                vanished = changes.vanished();
                newFrom = previous.uidNext();
            }
        } catch (io.yubin.store.StoreException e) {
            if (e.kind() == io.yubin.store.StoreException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
        List<MessageEntry> kept = new ArrayList<>();
        for (MessageRecord r : records) {
            if (r.uid() >= newFrom && !w.bodies.contains(r.blob().sha256()) && !body(w, user, mailbox, r)) {
                continue;
            }
            kept.add(new MessageEntry(r.uid(), r.modSeq(), new ArrayList<>(r.flags().toStrings()),
                    r.internalDate().toString(), r.size(), r.blob().sha256()));
        }
        return new MailboxEntry(user.canonical(), mailbox.path().name(), mailbox.uidValidity(), status.uidNext(),
                status.highestModSeq(), mailbox.specialUse().stream().map(Enum::name).sorted().toList(), full, kept,
                vanished);
    }

    /** Writes one body; false when its message was expunged while the backup ran. */
    private boolean body(Writer w, MailAddress user, Mailbox mailbox, MessageRecord r) throws IOException {
        InputStream in;
        try {
            in = await(storage.blobs().get(r.blob().id()));
        } catch (RuntimeException e) {
            boolean stillThere = !await(storage.mailboxes().messages(mailbox.id(), UidSet.single(r.uid()))).isEmpty();
            if (!stillThere) {
                LOG.info("message {} of {} {} was expunged during the backup; left out", r.uid(), user, mailbox.path());
                return false;
            }
            throw new BackupException("the body of message " + r.uid() + " in " + mailbox.path() + " of " + user
                    + " (blob " + r.blob().id().value() + ") cannot be read: " + e.getMessage(), e);
        }
        try (in) {
            w.body(r.blob().sha256(), r.size(), in, "message " + r.uid() + " in " + mailbox.path() + " of " + user);
        }
        return true;
    }

    private String spamModel(String owner) {
        return await(storage.spamModels().load(owner))
                .map(m -> Base64.getEncoder().encodeToString(m.bytes())).orElse(null);
    }

    private static AppPasswordEntry appPassword(AppPassword p) {
        return new AppPasswordEntry(p.id(), p.label(), p.secretHash(), p.createdAt().toString());
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** The tar stream, the running digest of {@link Archive#END}, and the bodies written. */
    private static final class Writer {
        private final TarArchiveOutputStream tar;
        private final MessageDigest all = Archive.sha256();
        private final Set<String> bodies = new HashSet<>();
        private long entries;
        private long bodyBytes;

        Writer(OutputStream out) {
            tar = new TarArchiveOutputStream(out, 512, StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        void json(String name, Object value) throws IOException {
            byte[] content = Archive.JSON.writeValueAsBytes(value);
            begin(name, content.length);
            all.update(content);
            tar.write(content);
            tar.closeArchiveEntry();
        }

        void body(String sha256, long size, InputStream in, String what) throws IOException {
            String name = Archive.BODIES + sha256;
            begin(name, size);
            MessageDigest body = Archive.sha256();
            byte[] buffer = new byte[65536];
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new BackupException("the body of " + what + " is shorter than the " + size
                            + " octets its record says");
                }
                body.update(buffer, 0, n);
                all.update(buffer, 0, n);
                tar.write(buffer, 0, n);
                left -= n;
            }
            if (in.read() >= 0 || !HexFormat.of().formatHex(body.digest()).equals(sha256)) {
                throw new BackupException("the body of " + what + " does not match its recorded size and SHA-256");
            }
            tar.closeArchiveEntry();
            bodies.add(sha256);
            bodyBytes += size;
        }

        private void begin(String name, long size) throws IOException {
            entries++;
            all.update(name.getBytes(StandardCharsets.UTF_8));
            all.update((byte) 0);
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(size);
            entry.setMode(0600);
            tar.putArchiveEntry(entry);
        }

        void end() throws IOException {
            byte[] content = Archive.JSON.writeValueAsBytes(
                    new Archive.End(entries, HexFormat.of().formatHex(all.digest())));
            TarArchiveEntry entry = new TarArchiveEntry(Archive.END);
            entry.setSize(content.length);
            entry.setMode(0600);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
            tar.finish();
            tar.flush();
        }
    }
}
