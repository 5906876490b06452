package io.yubin.backup;

import static io.yubin.backup.BackupWriter.await;

import io.yubin.backup.Archive.AliasEntry;
import io.yubin.backup.Archive.AppPasswordEntry;
import io.yubin.backup.Archive.Contents;
import io.yubin.backup.Archive.DomainEntry;
import io.yubin.backup.Archive.MailboxEntry;
import io.yubin.backup.Archive.MessageEntry;
import io.yubin.backup.Archive.UserEntry;
import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.store.AdminRecord;
import io.yubin.store.AliasSource;
import io.yubin.store.AppPassword;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MailboxStore.RestoredMessage;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.QuotaLimits;
import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.Totp;
import io.yubin.store.UidSet;
import io.yubin.store.UserRecord;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores archives into a system, empty or live, through the store SPI (docs/operations.md, "Backup
 * and restore"): a full archive, or a full one followed by the incremental ones that continue it.
 *
 * <p>Every archive is read and checked whole before anything is written, so an archive cut short or
 * altered is refused without a trace. Then:
 * <ul>
 *   <li>domains, users, app passwords, aliases, subscriptions and spam models that are missing are
 *       added; what exists is left as it is (a live user keeps the password it has now);</li>
 *   <li>a mailbox the target lacks, or has but never used, is created with (or takes) its old
 *       UIDVALIDITY and gets its messages under their old UIDs, so a client's cache of it stays valid;</li>
 *   <li>in a mailbox that exists, a message already there (same SHA-256) is left alone; a missing one
 *       goes back under its old UID when the mailbox has the archive's UIDVALIDITY and that UID is at
 *       or above its UIDNEXT, and is appended with a new UID otherwise (RFC 9051 §2.3.1.1: no UID
 *       appears below one a client has seen).</li>
 * </ul>
 * So a restore run twice restores once, and one cut short is finished by running it again, which a
 * restore does itself when the storage is lost on the way ({@link #restore}).
 */
public final class Restorer {

    /** Messages per store call. */
    private static final int BATCH = 500;

    /**
     * The waits before the writes of a restore or an import are run again after the storage was lost
     * (a connection reset, a node down): four more tries over 51 seconds, time for a Cassandra node to
     * restart.
     */
    static final List<Duration> WAITS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(15), Duration.ofSeconds(30));

    private static final Logger LOG = LoggerFactory.getLogger(Restorer.class);

    /**
     * What the restore did. A message whose store was cut off by a lost connection and had in fact been
     * applied counts as one that was there already; {@code retries} is the number of times the writes
     * were run again after the storage was lost.
     */
    public record Result(int domainsAdded, int usersAdded, int mailboxesCreated, long messagesKeptUid,
            long messagesAppended, long messagesPresent, long bodies, int retries) {

        /** For a summary line: nothing, or how many times the storage was lost and the writes run again. */
        public String retriesNoted() {
            return retries == 0 ? "" : " (the storage was lost " + retries + (retries == 1 ? " time" : " times")
                    + " on the way; the writes were run again)";
        }
    }

    private final Storage storage;
    private final List<Duration> waits;

    public Restorer(Storage storage) {
        this(storage, WAITS);
    }

    Restorer(Storage storage, List<Duration> waits) {
        this.storage = storage;
        this.waits = List.copyOf(waits);
    }

    /** The state the archives describe together. */
    private static final class Target {
        final Map<String, DomainEntry> domains = new LinkedHashMap<>();
        final Map<String, UserEntry> users = new LinkedHashMap<>();
        final Map<String, Map<String, MailboxState>> mailboxes = new LinkedHashMap<>();
        String globalSpam;
        Archive.AdminsEntry administrators;
    }

    /** A mailbox to put back: its entry (name, UIDVALIDITY, UIDNEXT, special use) and its messages by UID. */
    static final class MailboxState {
        MailboxEntry entry;
        final TreeMap<Long, MessageEntry> messages = new TreeMap<>();
    }

    /**
     * What this restore added, over its tries. A domain or user is noted before it is written, so that
     * a try after one whose write may or may not have been applied finishes it (its quota, its second
     * factor) instead of taking it for one that existed before the restore and leaving it alone.
     */
    private static final class Progress {
        final Set<String> domains = new HashSet<>();
        final Set<String> users = new HashSet<>();
        final Set<String> mailboxes = new HashSet<>();
        final Set<String> bodies = new HashSet<>();
        /** Messages whose store call succeeded, in the tries before the current one and in it. */
        long kept;
        long appended;
        int retries;
    }

    /** Checks the archives, in order: a full one and the incremental ones that continue it. */
    public static List<Contents> verify(List<Archive.Source> archives) {
        List<Contents> read = new ArrayList<>();
        for (int i = 0; i < archives.size(); i++) {
            Contents c;
            try (InputStream in = archives.get(i).open()) {
                c = Archive.read(in, Archive.BodySink.IGNORE);
            } catch (IOException e) {
                throw new BackupException("archive " + (i + 1) + " cannot be opened: " + e.getMessage(), e);
            }
            if (i == 0 && c.header().base() != null) {
                throw new BackupException("the first archive is incremental (it continues " + c.header().base()
                        + "): give the full archive first");
            }
            if (i > 0 && !read.get(i - 1).header().id().equals(c.header().base())) {
                throw new BackupException("archive " + (i + 1) + " does not continue archive " + i + " (it continues "
                        + c.header().base() + ", archive " + i + " is " + read.get(i - 1).header().id() + ")");
            }
            read.add(c);
        }
        return read;
    }

    /**
     * Restores the archives. Should the storage be lost on the way (a connection reset, a node down:
     * {@link StoreException.Kind#UNAVAILABLE}), the writes are run again after the {@link #WAITS}:
     * each step looks first at what is there, so a run again restores only what is still missing.
     */
    public Result restore(List<Archive.Source> archives) {
        Target target = fold(verify(archives));
        return retrying(progress -> restore(target, archives, progress));
    }

    private Result restore(Target target, List<Archive.Source> archives, Progress progress) {
        for (DomainEntry d : target.domains.values()) {
            Domain domain = Domain.parse(d.domain());
            boolean there = await(storage.directory().isLocalDomain(domain));
            if (there && !progress.domains.contains(d.domain())) {
                continue; // there before the restore: left as it is
            }
            progress.domains.add(d.domain());
            if (!there) {
                await(storage.directory().addDomain(domain));
            }
            QuotaLimits quota = new QuotaLimits(d.quotaBytes(), d.quotaMessages());
            if (!quota.none()) {
                await(storage.directory().setDomainQuota(domain, quota));
            }
        }
        for (UserEntry u : target.users.values()) {
            user(u, progress);
        }
        for (DomainEntry d : target.domains.values()) {
            for (AliasEntry a : d.aliases()) {
                AliasSource source = AliasSource.parse(a.source());
                MailAddress to = MailAddress.parse(a.target());
                if (!await(storage.directory().aliasTargets(source)).contains(to)) {
                    await(storage.directory().addAlias(source, to));
                }
            }
        }
        if (target.globalSpam != null) {
            spamModel(SpamModels.GLOBAL, target.globalSpam);
        }
        if (target.administrators != null) {
            administrators(target.administrators);
        }
        return put(target.mailboxes, needed -> bodies(archives, needed), progress);
    }

    /** Runs {@code attempt} again after each lost storage, up to the waits' number of times. */
    private Result retrying(Function<Progress, Result> attempt) {
        Progress progress = new Progress();
        while (true) {
            try {
                return attempt.apply(progress);
            } catch (RuntimeException e) {
                if (!lostStorage(e) || progress.retries == waits.size()) {
                    throw e;
                }
                Duration wait = waits.get(progress.retries++);
                LOG.warn("the storage was lost ({}); running the restore's writes again in {} s, try {} of {}",
                        e.getMessage(), wait.toSeconds(), progress.retries + 1, waits.size() + 1);
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    e.addSuppressed(interrupted);
                    throw e;
                }
            }
        }
    }

    /** True when the failure is the storage's UNAVAILABLE: unreachable or failed, so a try later may work. */
    static boolean lostStorage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StoreException s) {
                return s.kind() == StoreException.Kind.UNAVAILABLE;
            }
        }
        return false;
    }

    /** Stores the bodies of the given SHA-256s, returning what each was stored as. */
    @FunctionalInterface
    interface BodySource {
        Map<String, StoredBlob> store(Set<String> needed);
    }

    /**
     * Puts messages into users' mailboxes (user, then path, then the mailbox): the part of a restore
     * that an import shares, run again after a lost storage as a restore is. A mailbox entry with
     * UIDVALIDITY 0 has no UIDs to keep; its messages are appended in the order of theirs.
     */
    Result putMailboxes(Map<String, Map<String, MailboxState>> mailboxes, BodySource bodies) {
        return retrying(progress -> put(mailboxes, bodies, progress));
    }

    private Result put(Map<String, Map<String, MailboxState>> mailboxes, BodySource bodies, Progress progress) {
        // Plans first, so that only the bodies still needed are stored.
        List<Plan> plans = new ArrayList<>();
        Set<String> needed = new HashSet<>();
        long present = 0;
        for (Map.Entry<String, Map<String, MailboxState>> user : mailboxes.entrySet()) {
            for (MailboxState m : user.getValue().values()) {
                Plan plan = plan(MailAddress.parse(user.getKey()), m, progress);
                plans.add(plan);
                present += plan.present;
                plan.restore.forEach(e -> needed.add(e.sha256()));
                plan.append.forEach(e -> needed.add(e.sha256()));
            }
        }
        // What the tries before stored is there now, and counted as kept or appended already.
        present -= progress.kept + progress.appended;
        Map<String, StoredBlob> stored = needed.isEmpty() ? Map.of() : bodies.store(needed);
        progress.bodies.addAll(stored.keySet());
        for (Plan plan : plans) {
            apply(plan, stored, progress);
        }
        return new Result(progress.domains.size(), progress.users.size(), progress.mailboxes.size(), progress.kept,
                progress.appended, Math.max(0, present), progress.bodies.size(), progress.retries);
    }

    /** The last word of the archives on every domain, user and mailbox. */
    private static Target fold(List<Contents> archives) {
        Target t = new Target();
        for (Contents c : archives) {
            // Each archive holds its whole scope: what it lacks was removed since the one before.
            t.domains.clear();
            t.users.clear();
            for (DomainEntry d : c.domains()) {
                t.domains.put(d.domain(), d);
            }
            Map<String, Map<String, MailboxState>> now = new LinkedHashMap<>();
            for (MailboxEntry m : c.mailboxes()) {
                MailboxState state = t.mailboxes.getOrDefault(m.user(), Map.of()).get(m.path());
                if (m.full() || state == null) {
                    if (!m.full()) {
                        throw new BackupException("archive " + c.header().id() + " changes mailbox " + m.path() + " of "
                                + m.user() + ", which the archives before it do not hold");
                    }
                    state = new MailboxState();
                } else if (state.entry.uidValidity() != m.uidValidity()) {
                    throw new BackupException("mailbox " + m.path() + " of " + m.user()
                            + " has another UIDVALIDITY than in the archive before");
                }
                state.entry = m;
                m.vanished().forEach(state.messages::remove);
                for (MessageEntry e : m.messages()) {
                    state.messages.put(e.uid(), e);
                }
                now.computeIfAbsent(m.user(), k -> new LinkedHashMap<>()).put(m.path(), state);
            }
            for (UserEntry u : c.users()) {
                t.users.put(u.address(), u);
                // Mailboxes that were deleted since the archive before are not brought back.
                now.computeIfAbsent(u.address(), k -> new LinkedHashMap<>()).keySet().retainAll(u.mailboxes());
            }
            t.mailboxes.clear();
            t.mailboxes.putAll(now);
            if (c.globalSpam() != null) {
                t.globalSpam = c.globalSpam().model();
            }
            t.administrators = c.administrators();
        }
        return t;
    }

    /** Adds the user when missing (or finishes adding it); then its missing app passwords, subscriptions and spam model. */
    private void user(UserEntry u, Progress progress) {
        MailAddress address = MailAddress.parse(u.address());
        boolean there = await(storage.directory().findUser(address)).isPresent();
        if (!there || progress.users.contains(u.address())) {
            progress.users.add(u.address());
            if (!there) {
                await(storage.directory().addUser(new UserRecord(address, u.passwordHash(),
                        new QuotaLimits(u.quotaBytes(), u.quotaMessages()),
                        Instant.parse(u.createdAt()))));
            }
            if (u.totpSecret() != null) {
                await(storage.directory().setTotp(address, Optional.of(new Totp(u.totpSecret(),
                        Instant.parse(u.totpEnrolledAt())))));
            }
        }
        Set<String> ids = await(storage.directory().listAppPasswords(address)).stream().map(AppPassword::id)
                .collect(Collectors.toSet());
        for (AppPasswordEntry p : u.appPasswords()) {
            if (!ids.contains(p.id())) {
                await(storage.directory().addAppPassword(address,
                        new AppPassword(p.id(), p.label(), p.secretHash(), Instant.parse(p.createdAt()))));
            }
        }
        Set<String> subscribed = await(storage.mailboxes().subscriptions(address)).stream().map(MailboxPath::name)
                .collect(Collectors.toSet());
        for (String path : u.subscriptions()) {
            if (!subscribed.contains(path)) {
                await(storage.mailboxes().subscribe(address, MailboxPath.parse(path)));
            }
        }
        if (u.spamModel() != null) {
            spamModel(address.canonical(), u.spamModel());
        }
    }

    /** Adds the named administrators the target lacks; one that exists keeps its password and role. */
    private void administrators(Archive.AdminsEntry entry) {
        for (Archive.AdminEntry a : entry.administrators()) {
            if (await(storage.administrators().find(a.name())).isEmpty()) {
                await(storage.administrators().add(new AdminRecord(a.name(), a.passwordHash(),
                        AdminRecord.Role.valueOf(a.role()), a.domains().stream().map(Domain::parse)
                                .collect(Collectors.toSet()),
                        a.totpSecret() == null ? Optional.empty()
                                : Optional.of(new Totp(a.totpSecret(), Instant.parse(a.totpEnrolledAt()))),
                        Instant.parse(a.createdAt()))));
            }
        }
    }

    private void spamModel(String owner, String base64) {
        if (await(storage.spamModels().load(owner)).isEmpty()) {
            await(storage.spamModels().save(owner, Base64.getDecoder().decode(base64), 0));
        }
    }

    /** What to do to one mailbox: found or created, and which messages go back under their UIDs or anew. */
    private static final class Plan {
        Mailbox mailbox;
        long present;
        /** UIDNEXT to move the mailbox to; 0 when it is not behind the archive's. */
        long uidNext;
        final List<MessageEntry> restore = new ArrayList<>();
        final List<MessageEntry> append = new ArrayList<>();
    }

    private Plan plan(MailAddress user, MailboxState m, Progress progress) {
        Plan plan = new Plan();
        String key = user.canonical() + "\0" + m.entry.path();
        MailboxPath path = MailboxPath.parse(m.entry.path());
        Set<SpecialUse> uses = m.entry.specialUse().stream().map(SpecialUse::valueOf).collect(Collectors.toSet());
        plan.mailbox = await(storage.mailboxes().find(user, path)).orElse(null);
        if (plan.mailbox == null) {
            progress.mailboxes.add(key);
            plan.mailbox = await(m.entry.uidValidity() == 0 ? storage.mailboxes().create(user, path, uses)
                    : storage.mailboxes().create(user, path, uses, m.entry.uidValidity()));
        } else if (m.entry.uidValidity() != 0 && plan.mailbox.uidValidity() != m.entry.uidValidity()
                && await(storage.mailboxes().adoptUidValidity(plan.mailbox, m.entry.uidValidity()))) {
            // Never used (a user added before the restore has empty default mailboxes): as good as new.
            plan.mailbox = await(storage.mailboxes().find(user, path)).orElseThrow();
        }
        Map<String, Integer> there = new HashMap<>();
        for (MessageRecord r : await(storage.mailboxes().messages(plan.mailbox.id(), UidSet.ALL))) {
            there.merge(r.blob().sha256(), 1, Integer::sum);
        }
        MailboxStatus status = await(storage.mailboxes().status(plan.mailbox.id()));
        boolean sameUids = plan.mailbox.uidValidity() == m.entry.uidValidity();
        long next = status.uidNext();
        if (sameUids && m.entry.uidNext() > status.uidNext()) {
            plan.uidNext = m.entry.uidNext();
        }
        for (MessageEntry e : m.messages.values()) {
            Integer count = there.get(e.sha256());
            if (count != null && count > 0) {
                there.put(e.sha256(), count - 1);
                plan.present++;
            } else if (sameUids && e.uid() >= next) {
                plan.restore.add(e);
                next = e.uid() + 1;
            } else {
                plan.append.add(e);
            }
        }
        return plan;
    }

    private void apply(Plan plan, Map<String, StoredBlob> stored, Progress progress) {
        List<RestoredMessage> batch = new ArrayList<>();
        for (MessageEntry e : plan.restore) {
            batch.add(new RestoredMessage(e.uid(), message(e, stored)));
            if (batch.size() == BATCH) {
                await(storage.mailboxes().restore(plan.mailbox.id(), batch, 0));
                progress.kept += batch.size();
                batch.clear();
            }
        }
        if (!batch.isEmpty() || plan.uidNext > 0) {
            await(storage.mailboxes().restore(plan.mailbox.id(), batch, plan.uidNext));
            progress.kept += batch.size();
        }
        for (MessageEntry e : plan.append) {
            await(storage.mailboxes().append(plan.mailbox.id(), message(e, stored)));
            progress.appended++;
        }
    }

    private static NewMessage message(MessageEntry e, Map<String, StoredBlob> stored) {
        StoredBlob blob = stored.get(e.sha256());
        if (blob == null) {
            throw new BackupException("no archive holds the body " + e.sha256() + " of message " + e.uid());
        }
        return new NewMessage(blob, Instant.parse(e.internalDate()), Flags.of(e.flags()), null);
    }

    /** Stores each needed body once, reading the archives again. */
    private Map<String, StoredBlob> bodies(List<Archive.Source> archives, Set<String> needed) {
        Map<String, StoredBlob> stored = new HashMap<>();
        for (Archive.Source source : archives) {
            try (InputStream in = source.open()) {
                Archive.read(in, (sha, size, content) -> {
                    if (needed.contains(sha) && !stored.containsKey(sha)) {
                        StoredBlob blob = await(storage.blobs().put(content));
                        if (!blob.sha256().equals(sha) || blob.size() != size) {
                            throw new BackupException("body " + sha + " changed between the two reads of its archive");
                        }
                        stored.put(sha, blob);
                    }
                });
            } catch (IOException e) {
                throw new BackupException("an archive cannot be opened again: " + e.getMessage(), e);
            }
        }
        return stored;
    }
}
