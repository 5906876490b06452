package io.yubin.imap;

/**
 * Bounds on what one client may make the server hold (docs/architecture.md §4.6).
 *
 * @param maxLine the longest command line in octets, CRLF included (RFC 9051 §4 advises at least 8000)
 * @param maxCommand the most octets a command other than APPEND may carry, literals included
 * @param maxMessageSize the largest message APPEND takes (advertised as APPENDLIMIT, RFC 7889)
 * @param maxNesting the deepest parenthesis nesting in a command
 * @param maxBadCommands BAD responses in a row after which the connection is closed
 * @param maxConnectionsPerIp connections one client address may hold at once, both ports together
 */
public record ImapLimits(int maxLine, long maxCommand, long maxMessageSize, int maxNesting, int maxBadCommands,
        int maxConnectionsPerIp) {

    public static final ImapLimits DEFAULT = new ImapLimits(64 * 1024, 256 * 1024, 50L * 1024 * 1024, 32, 10, 1000);

    public ImapLimits {
        if (maxLine < 1024 || maxCommand < maxLine || maxMessageSize < 1 || maxNesting < 1 || maxBadCommands < 1
                || maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("IMAP limits must be positive, maxLine at least 1024 and "
                    + "maxCommand at least maxLine");
        }
        if (maxMessageSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxMessageSize must be below 2 GiB");
        }
    }
}
