package io.yubin.smtp;

import io.yubin.filter.spam.SpamFilter;
import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.mailauth.dkim.DkimResult;
import io.micrometer.core.instrument.Metrics;
import io.yubin.model.Envelope;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One log line per SMTP mail transaction that reached its end of data, accepted or refused
 * (docs/operations.md, "Logs"), on the logger {@value #LOGGER} at INFO, its facts as key-value pairs
 * (JSON fields in the JSON log format): the session and queue ids, the client's address (after the
 * PROXY header) and HELO name, the authenticated user, the envelope, the size, TLS version and cipher,
 * the SPF, DKIM, DMARC and ARC results, the spam score, the virus verdict and the final reply. Never a
 * message's contents, never a password.
 */
final class TransactionLog {

    static final String LOGGER = "yubin.smtp.transaction";
    /**
     * Counter of the same transactions on Micrometer's global registry, tags {@code listener},
     * {@code outcome} (accepted, deferred, refused: the final reply's class) and {@code tls} (the TLS
     * version, or none).
     */
    static final String TRANSACTIONS = "yubin.smtp.transactions";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** What the acceptor's checks found, filled in as they complete. */
    static final class Findings {
        volatile InboundAuthenticator.Verdict authentication;
        volatile SpamFilter.Score spam;
        volatile String virus;
    }

    private TransactionLog() {
    }

    static void log(String mode, MessageAcceptor.Trace trace, Envelope envelope, long size, Findings findings,
            String queueId, SmtpReply reply) {
        String listener = mode.toLowerCase(Locale.ROOT);
        String tls = trace.tlsProtocol() == null ? "none" : trace.tlsProtocol();
        Metrics.counter(TRANSACTIONS, "listener", listener, "outcome", reply.code() < 300 ? "accepted"
                : reply.code() < 500 ? "deferred" : "refused", "tls", tls).increment();
        if (!LOG.isInfoEnabled()) {
            return;
        }
        LoggingEventBuilder line = LOG.atInfo()
                .addKeyValue("session", trace.sessionId())
                .addKeyValue("listener", listener)
                .addKeyValue("client", trace.clientAddress())
                .addKeyValue("helo", trace.heloName());
        if (trace.authenticatedUser() != null) {
            line = line.addKeyValue("user", trace.authenticatedUser());
        }
        line = line.addKeyValue("from", envelope.sender() == null ? "" : envelope.sender().toString())
                .addKeyValue("to", envelope.recipients().stream().map(r -> r.address().toString())
                        .collect(Collectors.joining(",")))
                .addKeyValue("size", size)
                .addKeyValue("tls", trace.tlsProtocol() == null ? "none" : trace.tlsProtocol() + " " + trace.tlsCipher());
        InboundAuthenticator.Verdict verdict = findings.authentication;
        if (verdict != null) {
            line = line.addKeyValue("spf", verdict.spf() == null ? "none" : verdict.spf().status().keyword())
                    .addKeyValue("dkim", verdict.dkim().isEmpty() ? "none" : verdict.dkim().stream()
                            .map(TransactionLog::dkim).collect(Collectors.joining(",")))
                    .addKeyValue("dmarc", verdict.dmarc() == null ? "none" : verdict.dmarc().status().keyword());
            if (verdict.arc() != null) {
                line = line.addKeyValue("arc", verdict.arc().status().name().toLowerCase(Locale.ROOT));
            }
        }
        SpamFilter.Score spam = findings.spam;
        if (spam != null) {
            line = line.addKeyValue("spam", spam.trained() ? String.format(Locale.ROOT, "%.4f", spam.value()) : "untrained");
        }
        if (findings.virus != null) {
            line = line.addKeyValue("virus", findings.virus);
        }
        if (queueId != null) {
            line = line.addKeyValue("queueId", queueId);
        }
        line.addKeyValue("reply", reply.toString()).log("smtp transaction");
    }

    private static String dkim(DkimResult r) {
        return r.status().keyword() + (r.domain() == null ? "" : ":" + r.domain());
    }
}
