package io.yubin.store;

/** A mailbox's identity; it survives renames. */
public record MailboxId(String value) {

    @Override
    public String toString() {
        return value;
    }
}
