package io.yubin.protocol;

import io.micrometer.core.instrument.Metrics;
import java.util.Locale;
import javax.net.ssl.SSLSession;

/**
 * Counts the TLS sessions every listener starts, by TLS version and cipher suite, on Micrometer's
 * global registry: {@value #SESSIONS} (Prometheus {@code yubin_tls_sessions_total}), tags
 * {@code listener} (lower case: mx, submissions, imaps, ...), {@code version} and {@code cipher}. Implicit TLS (465, 993, 995) counts as the
 * connection is accepted, STARTTLS as its handshake ends; the dashboard shows which versions clients
 * still use before an old one is turned off.
 */
public final class TlsSessions {

    /** The counter's name. */
    public static final String SESSIONS = "yubin.tls.sessions";

    private TlsSessions() {
    }

    static void started(String listener, SSLSession session) {
        String version = session == null ? "unknown" : session.getProtocol();
        String cipher = session == null ? "unknown" : session.getCipherSuite();
        Metrics.counter(SESSIONS, "listener", listener.toLowerCase(Locale.ROOT), "version", version, "cipher", cipher)
                .increment();
    }
}
