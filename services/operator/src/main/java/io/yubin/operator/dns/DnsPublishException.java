package io.yubin.operator.dns;

/**
 * Publishing failed; nothing of the update was applied (an RFC 2136 update is all or nothing,
 * §3.7). {@code reason} is the condition reason: DnsUnreachable, DnsRefused, DnsAuthFailed,
 * DnsError, RecordOutsideZone.
 */
public final class DnsPublishException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public DnsPublishException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DnsPublishException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
