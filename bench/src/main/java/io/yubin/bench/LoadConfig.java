package io.yubin.bench;

import java.time.Duration;

/** What one load run sends, and where. */
record LoadConfig(
        String host,
        int port,
        int messages,
        int connections,
        String from,
        String rcptPattern,
        int users,
        String ehloName,
        boolean pipelining,
        Duration timeout) {

    /** The recipient of the i-th transaction (0-based): users 1..users in turn. */
    String recipient(int user) {
        return String.format(rcptPattern, user + 1);
    }
}
