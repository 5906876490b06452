package io.yubin.mailauth.virus;

/**
 * What a scan found.
 *
 * @param detail the signature found (INFECTED), or why the message was not scanned (SKIPPED, FAILED)
 */
public record ScanResult(Status status, String detail) {

    public enum Status {
        /** Scanned, nothing found. */
        CLEAN,
        /** Scanned, a signature matched. */
        INFECTED,
        /** Not scanned on purpose (larger than the scanner takes). */
        SKIPPED,
        /** The scanner could not be reached or answered an error. */
        FAILED
    }

    public static ScanResult clean() {
        return new ScanResult(Status.CLEAN, "");
    }
}
