package io.yubin.delivery.remote;

import java.time.Duration;
import java.util.Objects;

/**
 * How remote delivery talks to other servers; defaults in {@link #defaults(String)}.
 *
 * @param heloName the name sent with EHLO/HELO (RFC 5321 §4.1.1.1: the client's primary host name)
 * @param sourceAddress the local IP address to connect from; null for the system's choice
 * @param port the remote port; 25, other values for tests
 * @param tls the STARTTLS policy
 * @param addressOrder which address families are tried, and which first
 * @param timeouts how long each step may take
 * @param reuse how sessions are kept for further messages to the same server
 */
public record RemoteSettings(String heloName, String sourceAddress, int port, TlsPolicy tls,
        AddressOrder addressOrder, Timeouts timeouts, Reuse reuse) {

    public RemoteSettings {
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(addressOrder, "addressOrder");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(reuse, "reuse");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public static RemoteSettings defaults(String heloName) {
        return new RemoteSettings(heloName, null, 25, TlsPolicy.OPPORTUNISTIC, AddressOrder.IPV6_FIRST,
                Timeouts.RFC_5321, Reuse.DEFAULT);
    }

    public RemoteSettings withSourceAddress(String address) {
        return new RemoteSettings(heloName, address, port, tls, addressOrder, timeouts, reuse);
    }

    public RemoteSettings withPort(int newPort) {
        return new RemoteSettings(heloName, sourceAddress, newPort, tls, addressOrder, timeouts, reuse);
    }

    public RemoteSettings withTls(TlsPolicy policy) {
        return new RemoteSettings(heloName, sourceAddress, port, policy, addressOrder, timeouts, reuse);
    }

    public RemoteSettings withTimeouts(Timeouts newTimeouts) {
        return new RemoteSettings(heloName, sourceAddress, port, tls, addressOrder, newTimeouts, reuse);
    }

    public RemoteSettings withReuse(Reuse newReuse) {
        return new RemoteSettings(heloName, sourceAddress, port, tls, addressOrder, timeouts, newReuse);
    }

    /**
     * Sessions kept open after a message for the next one to the same server (RSET, then MAIL), as
     * Postfix's connection cache.
     *
     * @param maxMessages messages one session carries at most, then QUIT; 1 for a session per message
     * @param idle how long a session waits for its next message, then QUIT
     */
    public record Reuse(int maxMessages, Duration idle) {

        /** 100 messages per session, 5 s between them. */
        public static final Reuse DEFAULT = new Reuse(100, Duration.ofSeconds(5));

        /** A new session for every message. */
        public static final Reuse NONE = new Reuse(1, Duration.ZERO);

        public Reuse {
            Objects.requireNonNull(idle, "idle");
            if (maxMessages < 1) {
                throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
            }
        }
    }

    /**
     * The client's timeouts (RFC 5321 §4.5.3.2).
     *
     * @param connect the TCP connection (not in the RFC; Postfix's smtp_connect_timeout is 30 s)
     * @param greeting the 220 greeting (§4.5.3.2.1: 5 minutes)
     * @param command EHLO, STARTTLS, MAIL, RCPT, RSET, QUIT replies (§4.5.3.2.2, .3: 5 minutes)
     * @param dataInit the reply to DATA (§4.5.3.2.4: 2 minutes)
     * @param dataBlock writing one block of the body, or the reply to one BDAT chunk (§4.5.3.2.5: 3 minutes)
     * @param dataTermination the reply after the end of data or the last chunk (§4.5.3.2.6: 10 minutes)
     * @param delivery one message to one domain, every host tried included: the session running when
     *     it passes is cut and the recipients deferred (keep it below the delivery attempt's own limit)
     */
    public record Timeouts(Duration connect, Duration greeting, Duration command, Duration dataInit,
            Duration dataBlock, Duration dataTermination, Duration delivery) {

        /** RFC 5321's, and 25 minutes for a whole delivery (the default attempt limit is 30). */
        public static final Timeouts RFC_5321 = new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(3), Duration.ofMinutes(10));

        /** With 25 minutes for a whole delivery. */
        public Timeouts(Duration connect, Duration greeting, Duration command, Duration dataInit, Duration dataBlock,
                Duration dataTermination) {
            this(connect, greeting, command, dataInit, dataBlock, dataTermination, Duration.ofMinutes(25));
        }

        /** The same duration for every step, ten of them for a whole delivery (tests). */
        public static Timeouts all(Duration each) {
            return new Timeouts(each, each, each, each, each, each, each.multipliedBy(10));
        }

        /** These timeouts with another bound on a whole delivery. */
        public Timeouts withDelivery(Duration limit) {
            return new Timeouts(connect, greeting, command, dataInit, dataBlock, dataTermination, limit);
        }
    }
}
