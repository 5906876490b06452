package io.yubin.model;

/** PLACEHOLDER: replaced by the real parser. */
final class MailboxPathParser {
    private MailboxPathParser() {
    }

    static MailboxPath parse(String name) {
        if (name.equalsIgnoreCase("INBOX")) {
            return MailboxPath.INBOX;
        }
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            throw new AddressException("bad mailbox name", 0);
        }
        return new MailboxPath(name);
    }
}
