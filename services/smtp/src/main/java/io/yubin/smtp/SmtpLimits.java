package io.yubin.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client may make the server hold (docs/architecture.md §4.6).
 *
 * @param maxMessageSize largest accepted message in octets (advertised as SIZE, RFC 1870)
 * @param maxRecipients recipients per transaction; more get {@code 452 4.5.3}
 * @param maxConnectionsPerIp concurrent connections from one client address, all listeners together
 * @param maxLineLength longest command or text line in octets, CRLF included
 * @param commandTimeout how long the server waits for the next command
 * @param dataTimeout how long the server waits for the next data block inside DATA or BDAT
 * @param memoryThreshold bodies up to this size stay in heap; bigger ones are spooled to a temporary file
 */
public record SmtpLimits(long maxMessageSize, int maxRecipients, int maxConnectionsPerIp, int maxLineLength,
        Duration commandTimeout, Duration dataTimeout, int memoryThreshold) {

    public SmtpLimits {
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
        if (maxMessageSize < 1 || maxRecipients < 1 || maxConnectionsPerIp < 1 || memoryThreshold < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; servers must take at least that.
        if (maxLineLength < 512) {
            throw new IllegalArgumentException("maxLineLength must be at least 512");
        }
    }

    public static SmtpLimits defaults() {
        // RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.
        // RFC 5321 §4.5.3.2.7: the server waits 5 minutes for a command; §4.5.3.2.5-6: 3 minutes per data block.
        return new SmtpLimits(50L * 1024 * 1024, 100, 20, 1000, Duration.ofMinutes(5), Duration.ofMinutes(3),
                64 * 1024);
    }
}
