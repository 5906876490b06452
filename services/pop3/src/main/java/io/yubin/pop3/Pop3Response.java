package io.yubin.pop3;

import io.yubin.store.BlobId;

/** What the connection does with the answer to one line. */
sealed interface Pop3Response {

    /** Sends the text (whole lines, CRLF-terminated), then closes when {@code close}. */
    record Text(String text, boolean close) implements Pop3Response {
    }

    /** Sends the text, then starts the TLS handshake (RFC 2595 §4). */
    record StartTls(String text) implements Pop3Response {
    }

    /**
     * Streams a stored message after the status line: the whole of it, or for TOP the header and
     * {@code topLines} body lines (-1 for all).
     */
    record Message(String status, BlobId blob, long topLines) implements Pop3Response {
    }
}
