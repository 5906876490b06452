package io.yubin.backup;

import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.model.SystemFlag;
import io.yubin.store.QuotaLimits;
import io.yubin.store.AliasSource;
import io.yubin.store.AppPassword;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MailboxStore.FlagOperation;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.UserRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * A populated mail system for backup tests, and a snapshot of everything a backup must carry, to
 * compare a restored system with its original: every message byte for byte, every flag, UID,
 * UIDVALIDITY and date.
 */
public final class MailSystems {

    public static final Domain A = Domain.parse("a.test");
    public static final Domain B = Domain.parse("b.test");
    public static final MailAddress ALICE = MailAddress.parse("alice@a.test");
    public static final MailAddress CAROL = MailAddress.parse("carol@a.test");
    public static final MailAddress BOB = MailAddress.parse("bob@b.test");
    private static final String HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

    private MailSystems() {
    }

    public static <T> T await(CompletionStage<T> stage) {
        return BackupWriter.await(stage);
    }

    /**
     * Two domains, three users, default and nested mailboxes, UID gaps from expunges, system flags and
     * keywords, a copy sharing its original's body, an 8-bit and a binary-ish body, a large body,
     * aliases (one a catch-all), an app password, subscriptions, spam models, a user's and a domain's quota.
     */
    public static void populate(Storage s) {
        for (Domain d : List.of(A, B)) {
            await(s.directory().addDomain(d));
        }
        await(s.directory().setDomainQuota(B, new QuotaLimits(1L << 30, 100_000)));
        Instant created = Instant.parse("2026-01-02T03:04:05.123456789Z");
        for (MailAddress u : List.of(ALICE, CAROL, BOB)) {
            await(s.directory().addUser(new UserRecord(u, HASH + u.localPart(),
                    u == CAROL ? new QuotaLimits(50_000_000, 5_000) : QuotaLimits.NONE, created)));
            await(s.mailboxes().provision(u));
        }
        await(s.directory().addAppPassword(ALICE, new AppPassword("abcd2345", "phone",
                "0".repeat(63) + "1", created)));
        await(s.directory().addAlias(AliasSource.of(MailAddress.parse("info@a.test")), ALICE));
        await(s.directory().addAlias(AliasSource.of(MailAddress.parse("info@a.test")), CAROL));
        await(s.directory().addAlias(AliasSource.catchAll(B), BOB));
        Mailbox inbox = find(s, ALICE, "INBOX");
        for (int i = 1; i <= 8; i++) {
            append(s, inbox, "Subject: note " + i + "\r\n\r\nbody " + i + " \u00e9t\u00e9\r\n", i % 2 == 0
                    ? Flags.of(SystemFlag.SEEN) : Flags.of("$Forwarded", "project-x"));
        }
        await(s.mailboxes().expungeMessages(inbox.id(), UidSet.ofUids(List.of(2L, 5L)), false));
        await(s.mailboxes().updateFlags(inbox.id(), UidSet.single(3), FlagOperation.ADD,
                Flags.of(SystemFlag.FLAGGED, SystemFlag.ANSWERED), -1));
        Mailbox projects = await(s.mailboxes().create(ALICE, MailboxPath.parse("Projects/2026"), Set.of()));
        await(s.mailboxes().subscribe(ALICE, projects.path()));
        await(s.mailboxes().copy(inbox.id(), UidSet.ofUids(List.of(1L, 4L)), projects.id()));
        // Headers, then 300,000 octets of binary (RFC 3030 BINARYMIME) content with bare CRs and LFs.
        byte[] head = "Subject: binary\r\nContent-Type: application/octet-stream\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] big = java.util.Arrays.copyOf(head, head.length + 300_000);
        for (int i = head.length; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >> 7));
        }
        append(s, projects, big, Flags.of(SystemFlag.DELETED, SystemFlag.DRAFT));
        append(s, find(s, CAROL, "Sent"), "Subject: sent\r\n\r\nhi\r\n", Flags.of(SystemFlag.SEEN));
        append(s, find(s, BOB, "INBOX"), "Subject: b\r\n\r\nb\r\n", Flags.NONE);
        await(s.directory().setTotp(CAROL, java.util.Optional.of(new io.yubin.store.Totp("JBSWY3DPEHPK3PXP",
                Instant.parse("2026-01-03T00:00:00Z")))));
        await(s.spamModels().save(SpamModels.GLOBAL, new byte[] {1, 2, 3}, 0));
        await(s.administrators().add(new io.yubin.store.AdminRecord("ops-b", HASH, io.yubin.store.AdminRecord.Role.DOMAIN,
                java.util.Set.of(B), java.util.Optional.of(new io.yubin.store.Totp("KRUGS4ZANFZSAYJA", created)), created)));
        await(s.spamModels().save(ALICE.canonical(), new byte[] {4, 5}, 0));
    }

    /** A system where {@code user} was just added, as {@code yubin user add} leaves it: default mailboxes, empty. */
    public static Storage withNewUser(Storage s, MailAddress user) {
        if (!await(s.directory().isLocalDomain(user.domain()))) {
            await(s.directory().addDomain(user.domain()));
        }
        await(s.directory().addUser(new UserRecord(user, HASH, QuotaLimits.NONE, Instant.EPOCH)));
        await(s.mailboxes().provision(user));
        return s;
    }

    public static Mailbox find(Storage s, MailAddress user, String path) {
        return await(s.mailboxes().find(user, MailboxPath.parse(path))).orElseThrow();
    }

    public static long append(Storage s, Mailbox mailbox, String body, Flags flags) {
        return append(s, mailbox, body.getBytes(StandardCharsets.UTF_8), flags);
    }

    public static long append(Storage s, Mailbox mailbox, byte[] body, Flags flags) {
        StoredBlob blob = await(s.blobs().put(new ByteArrayInputStream(body)));
        return await(s.mailboxes().append(mailbox.id(), new NewMessage(blob,
                Instant.parse("2026-02-03T04:05:06Z").plusSeconds(body.length), flags, null))).uid();
    }

    /** One message as a restore must give it back. */
    public record Message(long uid, Set<String> flags, Instant internalDate, String sha256, String body) {
    }

    public record MailboxSnapshot(long uidValidity, long uidNext, Set<SpecialUse> specialUse, List<Message> messages) {
    }

    /** Everything a backup carries, in a form that compares with equals. */
    public record Snapshot(List<String> domains, Map<String, String> users, Map<String, List<String>> aliases,
            Map<String, List<String>> appPasswords, Map<String, List<String>> subscriptions,
            Map<String, Map<String, MailboxSnapshot>> mailboxes, Map<String, String> spamModels,
            List<String> administrators) {
    }

    public static Snapshot snapshot(Storage s) {
        List<String> domains = new ArrayList<>();
        Map<String, String> users = new TreeMap<>();
        Map<String, List<String>> aliases = new TreeMap<>();
        Map<String, List<String>> appPasswords = new TreeMap<>();
        Map<String, List<String>> subscriptions = new TreeMap<>();
        Map<String, Map<String, MailboxSnapshot>> mailboxes = new TreeMap<>();
        Map<String, String> spam = new TreeMap<>();
        await(s.spamModels().load(SpamModels.GLOBAL)).ifPresent(m -> spam.put("global", Arrays.toString(m.bytes())));
        for (Domain d : await(s.directory().listDomains())) {
            domains.add(d.ascii() + " " + await(s.directory().domainQuota(d)));
            aliases.put(d.ascii(), await(s.directory().listAliases(d)).stream()
                    .map(a -> a.source().canonical() + "->" + a.target().canonical()).sorted().toList());
            for (UserRecord u : await(s.directory().listUsers(d))) {
                String key = u.address().canonical();
                users.put(key, u.passwordHash() + " " + u.quota() + " " + u.createdAt() + " "
                        + u.totp().map(t -> t.secret() + "@" + t.enrolledAt()).orElse("no 2FA"));
                appPasswords.put(key, await(s.directory().listAppPasswords(u.address())).stream()
                        .map(p -> p.id() + " " + p.label() + " " + p.secretHash() + " " + p.createdAt()).sorted().toList());
                subscriptions.put(key, await(s.mailboxes().subscriptions(u.address())).stream()
                        .map(MailboxPath::name).sorted().toList());
                await(s.spamModels().load(key)).ifPresent(m -> spam.put(key, Arrays.toString(m.bytes())));
                Map<String, MailboxSnapshot> boxes = new TreeMap<>();
                for (Mailbox m : await(s.mailboxes().list(u.address()))) {
                    MailboxStatus status = await(s.mailboxes().status(m.id()));
                    List<Message> messages = new ArrayList<>();
                    for (MessageRecord r : await(s.mailboxes().messages(m.id(), UidSet.ALL))) {
                        messages.add(new Message(r.uid(), r.flags().toStrings(), r.internalDate(), r.blob().sha256(),
                                body(s, r)));
                    }
                    boxes.put(m.path().name(), new MailboxSnapshot(m.uidValidity(), status.uidNext(), m.specialUse(),
                            messages));
                }
                mailboxes.put(key, boxes);
            }
        }
        domains.sort(null);
        List<String> admins = await(s.administrators().list()).stream().map(a -> a.name() + " " + a.passwordHash()
                + " " + a.role() + " " + a.domains() + " " + a.totp().map(t -> t.secret() + "@" + t.enrolledAt())
                .orElse("no TOTP") + " " + a.createdAt()).sorted().toList();
        return new Snapshot(domains, users, aliases, appPasswords, subscriptions, mailboxes, spam, admins);
    }

    private static String body(Storage s, MessageRecord r) {
        try (InputStream in = await(s.blobs().get(r.blob().id()))) {
            byte[] bytes = in.readAllBytes();
            // The content as read, not the checksum on record: equal digests mean equal bytes.
            return bytes.length + " octets, SHA-256 " + java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
