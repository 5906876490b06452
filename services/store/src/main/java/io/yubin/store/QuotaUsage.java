package io.yubin.store;

/** What a user stores (RFC 9208 STORAGE and MESSAGE resources). */
public record QuotaUsage(long bytes, long messages) {
}
