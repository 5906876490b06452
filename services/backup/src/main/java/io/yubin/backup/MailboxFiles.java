package io.yubin.backup;

import static io.yubin.backup.BackupWriter.await;

import io.yubin.backup.Archive.MailboxEntry;
import io.yubin.backup.Archive.MessageEntry;
import io.yubin.model.Flags;
import io.yubin.model.LineEndings;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.Mbox;
import io.yubin.model.SystemFlag;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A user's mailboxes as files, so that users can leave and arrive (docs/operations.md, "Moving
 * mailboxes in and out"):
 * <ul>
 *   <li><b>Maildir</b>, in Dovecot's Maildir++ layout: INBOX at the top ({@code cur/ new/ tmp/}), every
 *       other mailbox in {@code .Name.Sub} (names in modified UTF-7), flags in the file names
 *       ({@code :2,DFRST} and keyword letters listed in {@code dovecot-keywords}), the received date in
 *       the file's modification time, UIDs and UIDVALIDITY in {@code dovecot-uidlist}, and the
 *       {@code subscriptions} file. Exported so that Dovecot keeps the UIDs; imported from Dovecot (or
 *       from our export) keeping them, through the restore's rules ({@link Restorer}).</li>
 *   <li><b>mbox</b> (mboxrd): one file per mailbox, {@code Name/Sub.mbox}; messages and their dates,
 *       not flags or UIDs. Imported messages are appended.</li>
 * </ul>
 * An import is idempotent like a restore: a message already in the mailbox (same content) is not
 * added again.
 */
public final class MailboxFiles {

    static final String UIDLIST = "dovecot-uidlist";
    static final String KEYWORDS = "dovecot-keywords";
    static final String SUBSCRIPTIONS = "subscriptions";
    static final String MBOX_SUFFIX = ".mbox";

    /** What an export wrote. */
    public record Exported(int mailboxes, long messages) {
    }

    private final Storage storage;
    private final Clock clock;

    public MailboxFiles(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    // Export -------------------------------------------------------------------------------------------

    /** Writes the user's mailboxes (or the {@code only} ones) as a Maildir++ tree under {@code root}. */
    public Exported exportMaildir(MailAddress user, List<MailboxPath> only, Path root) throws IOException {
        int boxes = 0;
        long count = 0;
        for (Mailbox m : mailboxes(user, only)) {
            Path dir = root.resolve(maildirName(m.path()));
            for (String sub : List.of("cur", "new", "tmp")) {
                Files.createDirectories(dir.resolve(sub));
            }
            MailboxStatus status = await(storage.mailboxes().status(m.id()));
            List<String> keywords = new ArrayList<>();
            StringBuilder uidlist = new StringBuilder("3 V" + m.uidValidity() + " N" + status.uidNext() + "\n");
            for (MessageRecord r : await(storage.mailboxes().messages(m.id(), UidSet.ALL))) {
                String base = r.internalDate().getEpochSecond() + ".Y" + r.uid() + "V" + m.uidValidity()
                        + ".yubin,S=" + r.size();
                Path file = dir.resolve("cur").resolve(base + ":2," + maildirFlags(r.flags(), keywords));
                try (InputStream in = await(storage.blobs().get(r.blob().id()))) {
                    Files.copy(in, file);
                }
                Files.setLastModifiedTime(file, FileTime.from(r.internalDate()));
                uidlist.append(r.uid()).append(" :").append(base).append('\n');
                count++;
            }
            Files.writeString(dir.resolve(UIDLIST), uidlist);
            StringBuilder kw = new StringBuilder();
            for (int i = 0; i < keywords.size(); i++) {
                kw.append(i).append(' ').append(keywords.get(i)).append('\n');
            }
            Files.writeString(dir.resolve(KEYWORDS), kw);
            boxes++;
        }
        // Dovecot 2.2+'s format: a version line, an empty line, then one name per line, levels apart by tabs.
        StringBuilder subscribed = new StringBuilder("V\t2\n\n");
        for (MailboxPath p : await(storage.mailboxes().subscriptions(user))) {
            subscribed.append(String.join("\t", p.segments())).append('\n');
        }
        Files.createDirectories(root);
        Files.writeString(root.resolve(SUBSCRIPTIONS), subscribed);
        return new Exported(boxes, count);
    }

    /** Writes each of the user's mailboxes (or the {@code only} ones) as {@code dir/Name/Sub.mbox}. */
    public Exported exportMbox(MailAddress user, List<MailboxPath> only, Path dir) throws IOException {
        int boxes = 0;
        long count = 0;
        for (Mailbox m : mailboxes(user, only)) {
            Path file = dir.resolve(m.path().name() + MBOX_SUFFIX);
            Files.createDirectories(file.getParent());
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                for (MessageRecord r : await(storage.mailboxes().messages(m.id(), UidSet.ALL))) {
                    byte[] body;
                    try (InputStream in = await(storage.blobs().get(r.blob().id()))) {
                        body = in.readAllBytes();
                    }
                    Mbox.write(out, body, null, r.internalDate());
                    count++;
                }
            }
            boxes++;
        }
        return new Exported(boxes, count);
    }

    private List<Mailbox> mailboxes(MailAddress user, List<MailboxPath> only) {
        if (await(storage.directory().findUser(user)).isEmpty()) {
            throw new BackupException("no user " + user);
        }
        List<Mailbox> all = await(storage.mailboxes().list(user));
        if (only == null || only.isEmpty()) {
            return all;
        }
        List<Mailbox> chosen = new ArrayList<>();
        for (MailboxPath p : only) {
            chosen.add(all.stream().filter(m -> m.path().equals(p)).findFirst()
                    .orElseThrow(() -> new BackupException(user + " has no mailbox " + p)));
        }
        return chosen;
    }

    /** {@code .Projects.2026} for {@code Projects/2026}; the empty name for INBOX. */
    static String maildirName(MailboxPath path) {
        if (path.isInbox()) {
            return "";
        }
        StringBuilder name = new StringBuilder();
        for (String segment : path.segments()) {
            // A '.' inside a name would read as a level: written as its modified UTF-7 form.
            name.append('.').append(new MailboxPath(segment).toModifiedUtf7().replace(".", "&AC4-"));
        }
        return name.toString();
    }

    private static String maildirFlags(Flags flags, List<String> keywords) {
        Set<Character> letters = new TreeSet<>();
        if (flags.contains(SystemFlag.DRAFT)) {
            letters.add('D');
        }
        if (flags.contains(SystemFlag.FLAGGED)) {
            letters.add('F');
        }
        if (flags.contains(SystemFlag.ANSWERED)) {
            letters.add('R');
        }
        if (flags.contains(SystemFlag.SEEN)) {
            letters.add('S');
        }
        if (flags.contains(SystemFlag.DELETED)) {
            letters.add('T');
        }
        for (String keyword : flags.keywords()) {
            int index = keywords.indexOf(keyword);
            if (index < 0 && keywords.size() < 26) {
                keywords.add(keyword);
                index = keywords.size() - 1;
            }
            if (index >= 0) {
                letters.add((char) ('a' + index));
            }
        }
        StringBuilder s = new StringBuilder();
        letters.forEach(s::append);
        return s.toString();
    }

    // Import -------------------------------------------------------------------------------------------

    /**
     * Imports a Maildir++ tree (Dovecot's, or an export) into the user's mailboxes, keeping the UIDs and
     * UIDVALIDITY of {@code dovecot-uidlist} where the restore's rules allow; messages it does not list
     * get the next UIDs, as Dovecot would give them.
     */
    public Restorer.Result importMaildir(MailAddress user, Path root) throws IOException {
        requireUser(user);
        if (!Files.isDirectory(root)) {
            throw new BackupException("no Maildir " + root);
        }
        Map<String, Path> files = new HashMap<>();
        Map<String, Restorer.MailboxState> boxes = new LinkedHashMap<>();
        if (Files.isDirectory(root.resolve("cur"))) {
            boxes.put(MailboxPath.INBOX.name(), maildirFolder(user, MailboxPath.INBOX, root, files));
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path dir : children.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") && name.length() > 1 && !name.equals("..") && Files.isDirectory(dir.resolve("cur"))) {
                    MailboxPath path = fromMaildirName(name);
                    boxes.put(path.name(), maildirFolder(user, path, dir, files));
                }
            }
        }
        Restorer.Result result = new Restorer(storage).putMailboxes(Map.of(user.canonical(), boxes),
                needed -> store(needed, sha -> new ByteArrayInputStream(stored(Files.readAllBytes(files.get(sha))))));
        Path subscriptions = root.resolve(SUBSCRIPTIONS);
        if (Files.isRegularFile(subscriptions)) {
            for (String line : Files.readAllLines(subscriptions, StandardCharsets.UTF_8)) {
                // Dovecot 2.2+ (version line "V\t2"): levels apart by tabs, names in UTF-8. Before: Maildir++ names.
                if (line.isBlank() || line.startsWith("V\t")) {
                    continue;
                }
                String name = line.strip();
                MailboxPath path = name.equals("INBOX") ? MailboxPath.INBOX : line.indexOf('\t') >= 0 || !name.contains(".")
                        ? MailboxPath.parse(String.join(String.valueOf(MailboxPath.DELIMITER), line.split("\t")))
                        : fromMaildirName("." + name);
                await(storage.mailboxes().subscribe(user, path));
            }
        }
        return result;
    }

    static MailboxPath fromMaildirName(String name) {
        List<String> segments = new ArrayList<>();
        for (String segment : name.substring(1).split("\\.", -1)) {
            if (segment.isEmpty()) {
                throw new BackupException("Maildir folder " + name + " has an empty level");
            }
            segments.add(MailboxPath.parseModifiedUtf7(segment).name());
        }
        return MailboxPath.parse(String.join(String.valueOf(MailboxPath.DELIMITER), segments));
    }

    private Restorer.MailboxState maildirFolder(MailAddress user, MailboxPath path, Path dir, Map<String, Path> files)
            throws IOException {
        Map<Integer, String> keywords = new HashMap<>();
        Path keywordFile = dir.resolve(KEYWORDS);
        if (Files.isRegularFile(keywordFile)) {
            for (String line : Files.readAllLines(keywordFile, StandardCharsets.UTF_8)) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    try {
                        keywords.put(Integer.parseInt(line.substring(0, space)), line.substring(space + 1).strip());
                    } catch (NumberFormatException e) {
                        // not a keyword line
                    }
                }
            }
        }
        long uidValidity = 0;
        long uidNext = 1;
        Map<String, Long> uids = new HashMap<>();
        Path uidlist = dir.resolve(UIDLIST);
        if (Files.isRegularFile(uidlist)) {
            List<String> lines = Files.readAllLines(uidlist, StandardCharsets.UTF_8);
            if (!lines.isEmpty()) {
                String[] header = lines.get(0).strip().split(" ");
                if (header[0].equals("1") && header.length >= 3) {
                    uidValidity = Long.parseLong(header[1]);
                    uidNext = Long.parseLong(header[2]);
                } else {
                    for (String field : header) {
                        if (field.startsWith("V")) {
                            uidValidity = Long.parseLong(field.substring(1));
                        } else if (field.startsWith("N")) {
                            uidNext = Long.parseLong(field.substring(1));
                        }
                    }
                }
                for (String line : lines.subList(1, lines.size())) {
                    int space = line.indexOf(' ');
                    int colon = line.indexOf(':');
                    // Version 3: "UID [extensions] :BASENAME"; version 1: "UID BASENAME".
                    if (space > 0) {
                        String base = colon > space ? line.substring(colon + 1) : line.substring(space + 1);
                        uids.put(base.strip(), Long.parseLong(line.substring(0, space)));
                    }
                }
            }
        }
        TreeMap<String, Path> messages = new TreeMap<>();
        for (String sub : List.of("cur", "new")) {
            Path d = dir.resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> list = Files.list(d)) {
                    list.filter(Files::isRegularFile).forEach(f -> messages.put(f.getFileName().toString(), f));
                }
            }
        }
        Restorer.MailboxState state = new Restorer.MailboxState();
        long next = Math.max(uidNext, uids.values().stream().mapToLong(u -> u + 1).max().orElse(1));
        List<MessageEntry> unlisted = new ArrayList<>();
        for (Map.Entry<String, Path> e : messages.entrySet()) {
            String fileName = e.getKey();
            int info = fileName.indexOf(":2,");
            String base = info < 0 ? fileName : fileName.substring(0, info);
            if (info < 0 && base.indexOf(':') > 0) {
                base = base.substring(0, base.indexOf(':'));
            }
            List<String> flags = info < 0 ? List.of() : parseFlags(fileName.substring(info + 3), keywords);
            byte[] content = stored(Files.readAllBytes(e.getValue()));
            String sha = HexFormat.of().formatHex(Archive.sha256().digest(content));
            files.put(sha, e.getValue());
            Long uid = uids.get(base);
            MessageEntry entry = new MessageEntry(uid == null ? 0 : uid, 0, flags,
                    Files.getLastModifiedTime(e.getValue()).toInstant().toString(), content.length, sha);
            if (uid == null || uidValidity == 0) {
                unlisted.add(entry);
            } else {
                state.messages.put(uid, entry);
            }
        }
        for (MessageEntry e : unlisted) {
            long uid = uidValidity == 0 ? state.messages.size() + 1 : next++;
            state.messages.put(uid, new MessageEntry(uid, 0, e.flags(), e.internalDate(), e.size(), e.sha256()));
        }
        state.entry = new MailboxEntry(user.canonical(), path.name(), uidValidity, uidValidity == 0 ? 0 : next, 0,
                List.of(), true, List.of(), List.of());
        return state;
    }

    /**
     * A Maildir file as a message to store: Dovecot keeps LF line endings in its files, so a file without
     * a single CRLF gets them; one with CRLFs (ours, or a binary body) is taken as it is.
     */
    static byte[] stored(byte[] file) {
        for (int i = 1; i < file.length; i++) {
            if (file[i] == '\n' && file[i - 1] == '\r') {
                return file;
            }
        }
        return LineEndings.crlf(file);
    }

    private static List<String> parseFlags(String letters, Map<Integer, String> keywords) {
        List<String> flags = new ArrayList<>();
        for (char c : letters.toCharArray()) {
            switch (c) {
                case 'D' -> flags.add(SystemFlag.DRAFT.text());
                case 'F' -> flags.add(SystemFlag.FLAGGED.text());
                case 'R' -> flags.add(SystemFlag.ANSWERED.text());
                case 'S' -> flags.add(SystemFlag.SEEN.text());
                case 'T' -> flags.add(SystemFlag.DELETED.text());
                default -> {
                    if (c >= 'a' && c <= 'z' && keywords.containsKey(c - 'a')) {
                        flags.add(keywords.get(c - 'a'));
                    }
                }
            }
        }
        return flags;
    }

    /**
     * Imports an mbox file into {@code into} (default: the file's name without {@code .mbox}), or a
     * directory of them ({@code Name/Sub.mbox} into {@code Name/Sub}). Messages are appended. Each file
     * is read twice, one message at a time (to plan, then to store the bodies still needed), so a file
     * of any size (a mail provider's export of many gigabytes) takes the memory of its largest message.
     */
    public Restorer.Result importMbox(MailAddress user, Path source, MailboxPath into) throws IOException {
        requireUser(user);
        List<Path> boxes = new ArrayList<>();
        if (Files.isDirectory(source)) {
            try (Stream<Path> walk = Files.walk(source)) {
                walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(MBOX_SUFFIX)).sorted()
                        .forEach(boxes::add);
            }
            if (into != null) {
                throw new BackupException("give a mailbox name with one mbox file, not a directory");
            }
        } else if (Files.isRegularFile(source)) {
            boxes.add(source);
        } else {
            throw new BackupException("no mbox file or directory " + source);
        }
        Map<String, Restorer.MailboxState> states = new LinkedHashMap<>();
        for (Path box : boxes) {
            String relative = (Files.isDirectory(source) ? source.relativize(box) : box.getFileName()).toString()
                    .replace(java.io.File.separatorChar, MailboxPath.DELIMITER);
            MailboxPath path = into != null ? into : MailboxPath.parse(relative.endsWith(MBOX_SUFFIX)
                    ? relative.substring(0, relative.length() - MBOX_SUFFIX.length()) : relative);
            if (path.name().equalsIgnoreCase("INBOX")) {
                path = MailboxPath.INBOX;
            }
            Restorer.MailboxState state = states.computeIfAbsent(path.name(), k -> new Restorer.MailboxState());
            state.entry = new MailboxEntry(user.canonical(), path.name(), 0, 0, 0, List.of(), true, List.of(), List.of());
            try (Mbox.Reader reader = Mbox.reader(Files.newInputStream(box))) {
                for (Mbox.Message m = reader.next(); m != null; m = reader.next()) {
                    String sha = HexFormat.of().formatHex(Archive.sha256().digest(m.content()));
                    long uid = state.messages.size() + 1;
                    Instant date = m.date() != null ? m.date() : clock.instant();
                    state.messages.put(uid, new MessageEntry(uid, 0, List.of(), date.toString(), m.content().length, sha));
                }
            }
        }
        return new Restorer(storage).putMailboxes(Map.of(user.canonical(), states), needed -> storeFrom(boxes, needed));
    }

    /** Stores the bodies {@code needed}, reading the mbox files again one message at a time. */
    private Map<String, StoredBlob> storeFrom(List<Path> boxes, Set<String> needed) {
        Map<String, StoredBlob> stored = new HashMap<>();
        for (Path box : boxes) {
            try (Mbox.Reader reader = Mbox.reader(Files.newInputStream(box))) {
                for (Mbox.Message m = reader.next(); m != null && stored.size() < needed.size(); m = reader.next()) {
                    String sha = HexFormat.of().formatHex(Archive.sha256().digest(m.content()));
                    byte[] content = m.content();
                    if (needed.contains(sha) && !stored.containsKey(sha)) {
                        stored.putAll(store(Set.of(sha), s -> new ByteArrayInputStream(content)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (stored.size() < needed.size()) {
            throw new BackupException("a message changed while it was imported");
        }
        return stored;
    }

    private void requireUser(MailAddress user) {
        if (await(storage.directory().findUser(user)).isEmpty()) {
            throw new BackupException("no user " + user + "; add it first");
        }
    }

    @FunctionalInterface
    private interface Opener {
        InputStream open(String sha256) throws IOException;
    }

    private Map<String, StoredBlob> store(Set<String> needed, Opener opener) {
        Map<String, StoredBlob> stored = new HashMap<>();
        for (String sha : needed) {
            try (InputStream in = opener.open(sha)) {
                StoredBlob blob = await(storage.blobs().put(in));
                if (!blob.sha256().equals(sha)) {
                    throw new BackupException("a message changed while it was imported");
                }
                stored.put(sha, blob);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return stored;
    }
}
