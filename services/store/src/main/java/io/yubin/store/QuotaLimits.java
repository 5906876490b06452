package io.yubin.store;

/**
 * The limits of one quota root (RFC 9208 STORAGE and MESSAGE resources): a user's, or a domain's over
 * all its users together.
 *
 * @param storageBytes the octets of all messages; 0: no limit
 * @param messages the number of messages; 0: no limit
 */
public record QuotaLimits(long storageBytes, long messages) {

    /** No limit at all. */
    public static final QuotaLimits NONE = new QuotaLimits(0, 0);

    public QuotaLimits {
        if (storageBytes < 0) {
            throw new IllegalArgumentException("the storage quota must not be negative");
        }
        if (messages < 0) {
            throw new IllegalArgumentException("the message-count quota must not be negative");
        }
    }

    /** A storage limit only. */
    public static QuotaLimits storage(long bytes) {
        return new QuotaLimits(bytes, 0);
    }

    /** Whether nothing is limited. */
    public boolean none() {
        return storageBytes == 0 && messages == 0;
    }
}
