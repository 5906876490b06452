package io.yubin.model;

import java.util.List;

/**
 * A mailbox name within one user's mailboxes, hierarchy delimiter {@code /}. {@code INBOX} is
 * case-insensitive (RFC 9051 §5.1) and always stored as {@code INBOX}; other names are
 * case-sensitive Unicode (NFC). Construct with {@link #parse(String)}.
 *
 * @param name the normalized full name, e.g. {@code Archive/2026}
 */
public record MailboxPath(String name) implements Comparable<MailboxPath> {

    public static final char DELIMITER = '/';
    public static final MailboxPath INBOX = new MailboxPath("INBOX");

    /** Parses and normalizes a UTF-8 mailbox name; refuses empty segments and control characters. */
    public static MailboxPath parse(String name) {
        return MailboxPathParser.parse(name);
    }

    /** Parses a name in IMAP4rev1 modified UTF-7 (RFC 3501 §5.1.3). */
    public static MailboxPath parseModifiedUtf7(String encoded) {
        return parse(ModifiedUtf7.decode(encoded));
    }

    /** The name in modified UTF-7 for IMAP4rev1 clients. */
    public String toModifiedUtf7() {
        return ModifiedUtf7.encode(name);
    }

    public boolean isInbox() {
        return name.equals("INBOX");
    }

    /** The segments of the name, e.g. {@code [Archive, 2026]}. */
    public List<String> segments() {
        return List.of(name.split(String.valueOf(DELIMITER)));
    }

    /** The parent name, or null for a top-level mailbox. */
    public MailboxPath parent() {
        int i = name.lastIndexOf(DELIMITER);
        return i < 0 ? null : new MailboxPath(name.substring(0, i));
    }

    /** True when this mailbox is strictly below {@code ancestor} in the hierarchy. */
    public boolean isDescendantOf(MailboxPath ancestor) {
        return name.startsWith(ancestor.name + DELIMITER);
    }

    /** The child of {@code to} that corresponds to this descendant of {@code from} (for RENAME). */
    public MailboxPath rebase(MailboxPath from, MailboxPath to) {
        if (!isDescendantOf(from) && !equals(from)) {
            throw new IllegalArgumentException(name + " is not under " + from.name);
        }
        return new MailboxPath(to.name + name.substring(from.name.length()));
    }

    @Override
    public int compareTo(MailboxPath o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
