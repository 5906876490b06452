package io.yubin.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The backup archive (docs/operations.md, "Backup and restore"): a POSIX tar, gzip-compressed when
 * its name ends in {@code .gz} or {@code .tgz}, that {@code tar tf} lists. Its entries, in order:
 * <ol>
 *   <li>{@value #HEADER}: format version, id, creation time, scope, and for an incremental archive the
 *       id of the archive it continues;</li>
 *   <li>{@code domains/N.json}: a domain and its aliases;</li>
 *   <li>per user: {@code bodies/SHA256} (each body once per archive, named by its SHA-256), then
 *       {@code users/N/mailboxes/M.json} (a mailbox, its counters and its messages' UIDs, flags,
 *       dates and checksums; an incremental one holds what changed since the base and the UIDs that
 *       vanished), then {@code users/N/user.json} (password hash, quota, app passwords,
 *       subscriptions, the mailboxes it has, its spam model);</li>
 *   <li>{@value #GLOBAL_SPAM} and {@value #ADMINISTRATORS}: the global spam model and the admin API's named
 *       administrators, in a backup of everything;</li>
 *   <li>{@value #END}, last: the number of entries before it and a SHA-256 over their names and
 *       contents. An archive without it was cut short and is refused whole.</li>
 * </ol>
 * Names carry no meaning beyond their order; the JSON does.
 */
public final class Archive {

    /** The format this code writes and reads. */
    public static final int FORMAT = 1;

    static final String HEADER = "yubin-backup.json";
    static final String BODIES = "bodies/";
    static final String DOMAINS = "domains/";
    static final String USERS = "users/";
    static final String GLOBAL_SPAM = "spam/global.json";
    static final String ADMINISTRATORS = "administrators.json";
    static final String END = "END.json";

    static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Archive() {
    }

    /** The first entry. */
    public record Header(int format, String id, String created, String scope, String base) {
    }

    public record AliasEntry(String source, String target) {
    }

    /** A domain, its aliases and its quota over all its users (0: no limit; absent in older archives). */
    public record DomainEntry(String domain, List<AliasEntry> aliases, long quotaBytes, long quotaMessages) {
    }

    public record AppPasswordEntry(String id, String label, String secretHash, String createdAt) {
    }

    /** A named administrator of the admin API; TOTP fields null without enrolment. */
    public record AdminEntry(String name, String passwordHash, String role, List<String> domains, String totpSecret,
            String totpEnrolledAt, String createdAt) {
    }

    /** The named administrators, in a backup of everything. */
    public record AdminsEntry(List<AdminEntry> administrators) {
    }

    /** A spam model: its bytes, base64. */
    public record SpamEntry(String model) {
    }

    /**
     * A user; {@code totpSecret} and {@code totpEnrolledAt} are null without two-factor enrolment, quotas
     * 0 without a limit ({@code quotaMessages} is absent in older archives).
     */
    public record UserEntry(String address, String passwordHash, long quotaBytes, long quotaMessages, String createdAt,
            List<AppPasswordEntry> appPasswords, List<String> subscriptions, List<String> mailboxes, String spamModel,
            String totpSecret, String totpEnrolledAt) {
    }

    public record MessageEntry(long uid, long modSeq, List<String> flags, String internalDate, long size,
            String sha256) {
    }

    /**
     * One mailbox. {@code full}: {@code messages} are all its messages; otherwise they are those changed
     * since the base archive (new ones and flag changes) and {@code vanished} the UIDs expunged since.
     * {@code highestModSeq} and {@code uidNext} were read before the messages were listed, so an
     * incremental backup starting from them misses nothing.
     */
    public record MailboxEntry(String user, String path, long uidValidity, long uidNext, long highestModSeq,
            List<String> specialUse, boolean full, List<MessageEntry> messages, List<Long> vanished) {
    }

    public record End(long entries, String sha256) {
    }

    /** What {@link #read} found, bodies aside. */
    public record Contents(Header header, List<DomainEntry> domains, List<UserEntry> users,
            List<MailboxEntry> mailboxes, SpamEntry globalSpam, AdminsEntry administrators, List<String> bodies,
            long bodyBytes) {
    }

    /** Receives each body as it is read; what it leaves unread is read and checked after it. */
    @FunctionalInterface
    public interface BodySink {
        void body(String sha256, long size, InputStream content) throws IOException;

        BodySink IGNORE = (sha, size, content) -> { };
    }

    /** Opens an archive again: the restore reads each archive twice, to check it before it writes. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /**
     * Reads a whole archive, checking every body's SHA-256 and size, the entry count and the digest
     * in {@value #END}: a {@link BackupException} for anything cut short, altered or unknown.
     */
    public static Contents read(InputStream raw, BodySink sink) {
        MessageDigest all = sha256();
        List<DomainEntry> domains = new ArrayList<>();
        List<UserEntry> users = new ArrayList<>();
        List<MailboxEntry> mailboxes = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        long bodyBytes = 0;
        Header header = null;
        SpamEntry globalSpam = null;
        AdminsEntry administrators = null;
        long entries = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompressed(raw))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                if (header == null && !name.equals(HEADER)) {
                    throw new BackupException("not a Yubin backup: it starts with " + name + ", not " + HEADER);
                }
                if (name.equals(END)) {
                    End end = JSON.readValue(tar.readAllBytes(), End.class);
                    String digest = HexFormat.of().formatHex(all.digest());
                    if (end.entries() != entries || !digest.equals(end.sha256())) {
                        throw new BackupException("the archive does not match its end record (" + entries
                                + " entries, digest " + digest + "): it was altered");
                    }
                    if (tar.getNextEntry() != null) {
                        throw new BackupException("entries follow the end record");
                    }
                    return new Contents(header, domains, users, mailboxes, globalSpam, administrators, bodies,
                            bodyBytes);
                }
                entries++;
                all.update(name.getBytes(StandardCharsets.UTF_8));
                all.update((byte) 0);
                if (name.startsWith(BODIES)) {
                    String sha = name.substring(BODIES.length());
                    MessageDigest body = sha256();
                    DigestInputStream in = new DigestInputStream(new DigestInputStream(tar, all), body);
                    sink.body(sha, entry.getSize(), new java.io.FilterInputStream(in) {
                        @Override
                        public void close() {
                            // The sink's store may close what it was given; the archive goes on.
                        }
                    });
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                    if (!HexFormat.of().formatHex(body.digest()).equals(sha)) {
                        throw new BackupException("body " + sha + " does not match its checksum");
                    }
                    bodies.add(sha);
                    bodyBytes += entry.getSize();
                    continue;
                }
                byte[] content = tar.readAllBytes();
                all.update(content);
                if (name.equals(HEADER)) {
                    header = JSON.readValue(content, Header.class);
                    if (header.format() != FORMAT) {
                        throw new BackupException("archive format " + header.format() + " is not " + FORMAT
                                + ", the one this version reads");
                    }
                } else if (name.startsWith(DOMAINS)) {
                    domains.add(JSON.readValue(content, DomainEntry.class));
                } else if (name.startsWith(USERS) && name.endsWith("/user.json")) {
                    users.add(JSON.readValue(content, UserEntry.class));
                } else if (name.startsWith(USERS) && name.contains("/mailboxes/")) {
                    mailboxes.add(JSON.readValue(content, MailboxEntry.class));
                } else if (name.equals(GLOBAL_SPAM)) {
                    globalSpam = JSON.readValue(content, SpamEntry.class);
                } else if (name.equals(ADMINISTRATORS)) {
                    administrators = JSON.readValue(content, AdminsEntry.class);
                } else {
                    throw new BackupException("unknown entry " + name);
                }
            }
        } catch (IOException e) {
            throw new BackupException("the archive cannot be read: " + e.getMessage(), e);
        }
        if (header == null) {
            throw new BackupException("the archive is empty");
        }
        throw new BackupException("the archive is incomplete: it ends after " + entries
                + " entries without its end record, so the backup was interrupted; it is refused whole");
    }

    private static InputStream decompressed(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 65536);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 65536) : in;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
