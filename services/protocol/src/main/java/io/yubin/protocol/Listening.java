package io.yubin.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * How a protocol's listeners accept connections, whatever the protocol.
 *
 * @param eventLoops how many event loops serve each port: the listeners are deployed that many
 *     times and Vert.x hands each new connection to the next of them; a connection stays on the
 *     loop it was given
 * @param proxyHeaderTimeout with the PROXY protocol on, how long a new connection may take to send
 *     its header before it is closed
 */
public record Listening(int eventLoops, Duration proxyHeaderTimeout) {

    /** Vert.x's own default for the PROXY header. */
    public static final Duration DEFAULT_PROXY_HEADER_TIMEOUT = Duration.ofSeconds(10);

    public Listening {
        Objects.requireNonNull(proxyHeaderTimeout, "proxyHeaderTimeout");
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops must be at least 1");
        }
        if (proxyHeaderTimeout.isNegative() || proxyHeaderTimeout.isZero()) {
            throw new IllegalArgumentException("the PROXY header timeout must be positive");
        }
    }

    /** One event loop per core, and the default PROXY header timeout. */
    public static Listening defaults() {
        return new Listening(Runtime.getRuntime().availableProcessors(), DEFAULT_PROXY_HEADER_TIMEOUT);
    }
}
