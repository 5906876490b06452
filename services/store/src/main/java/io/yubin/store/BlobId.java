package io.yubin.store;

/** The identity of one stored message body. Bodies are immutable (docs/architecture.md §4.4). */
public record BlobId(String value) {

    public BlobId {
        if (value == null || value.isEmpty() || !value.chars().allMatch(c -> c < 0x80 && Character.isLetterOrDigit(c))) {
            throw new IllegalArgumentException("a blob id is a non-empty alphanumeric ASCII string");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
