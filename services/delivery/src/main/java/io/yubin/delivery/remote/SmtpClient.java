package io.yubin.delivery.remote;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.yubin.delivery.dane.DaneLookup;
import io.yubin.delivery.dane.DanePolicy;
import io.yubin.delivery.dane.DaneTrustManager;
import io.yubin.delivery.mtasts.MtaStsPolicy;
import io.yubin.delivery.mtasts.MtaStsTrust;
import io.yubin.delivery.mtasts.ReportingTrustManager;
import io.yubin.delivery.tlsrpt.TlsReportPolicy;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.yubin.mailauth.dns.TlsaRecord;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one message to the recipients of one domain over SMTP, trying the domain's hosts in order
 * (RFC 5321 §5.1): the next address when a connection cannot be made, the greeting or EHLO is
 * refused, or the session is lost before MAIL; the first server that takes part in the transaction
 * decides every recipient, on one connection. When every address fails the recipients are deferred
 * with the last problem.
 *
 * <p>With DANE (RFC 7672) a host whose MX and address records DNSSEC proved is looked up for TLSA
 * records before it is connected to; when it has them, STARTTLS is required and the certificate is
 * authenticated by them ({@link DaneTrustManager}), in place of opportunistic TLS and of MTA-STS's
 * PKIX check for that host (RFC 8461 §2); a failed TLSA lookup or handshake moves on to the next host,
 * never to plaintext.
 *
 * <p>A REQUIRETLS message (RFC 8689 §4.2.1) is sent only over TLS with a certificate that DANE or
 * PKIX with the host name validates, and only to a server that offers REQUIRETLS; TLS-Required: No
 * (§4.2.2) sets DANE aside (TLS stays opportunistic).
 *
 * <p>Non-blocking: sessions run on one event loop each, the body is read on the worker pool
 * {@value #BODY_POOL}. One client serves any number of deliveries at once.
 */
public final class SmtpClient implements AutoCloseable {

    /** The worker pool that reads message bodies (blob streams may block). */
    public static final String BODY_POOL = "yubin-remote-body";

    private static final Logger LOG = LoggerFactory.getLogger(SmtpClient.class);

    private final Vertx vertx;
    private final RemoteSettings settings;
    private final NetClient client;
    private final WorkerExecutor bodyReader;
    private final SslContext tls;
    /** MTA-STS enforce: PKIX validation and the MX host name (RFC 8461 §4.2). */
    private final SslContext validating;
    /** MTA-STS testing: validation failures logged, not refused. */
    private final SslContext reporting;
    /** TLSA lookups for DANE; null when DANE is off. */
    private final DaneLookup dane;
    /** Sessions kept between messages to the same server. */
    private final SessionCache sessions;
    /** Where each session's TLS outcome is counted (RFC 8460). */
    private final TlsResults tlsResults;

    /** With the JDK's trust anchors for MTA-STS; see {@link #SmtpClient(Vertx, RemoteSettings, TrustManagerFactory)}. */
    public SmtpClient(Vertx vertx, RemoteSettings settings) {
        this(vertx, settings, MtaStsTrust.load(null));
    }

    /**
     * Builds the TLS contexts, which load the JDK's crypto: construct it off the event loops.
     *
     * @param mtaStsTrust the anchors MX certificates are validated against under an MTA-STS policy
     */
    public SmtpClient(Vertx vertx, RemoteSettings settings, TrustManagerFactory mtaStsTrust) {
        this(vertx, settings, mtaStsTrust, null);
    }

    /**
     * As {@link #SmtpClient(Vertx, RemoteSettings, TrustManagerFactory)}, with DANE.
     *
     * @param dane TLSA lookups through a validating resolver; null for no DANE
     */
    public SmtpClient(Vertx vertx, RemoteSettings settings, TrustManagerFactory mtaStsTrust, DaneLookup dane) {
        this(vertx, settings, mtaStsTrust, dane, TlsResults.discarding());
    }

    /**
     * As {@link #SmtpClient(Vertx, RemoteSettings, TrustManagerFactory, DaneLookup)}, counting every
     * session's TLS outcome in {@code tlsResults} for the TLS reports (RFC 8460).
     */
    public SmtpClient(Vertx vertx, RemoteSettings settings, TrustManagerFactory mtaStsTrust, DaneLookup dane,
            TlsResults tlsResults) {
        this.vertx = vertx;
        this.tlsResults = tlsResults;
        this.dane = dane;
        this.settings = settings;
        NetClientOptions options = new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeouts().connect().toMillis()));
        if (settings.sourceAddress() != null) {
            options.setLocalAddress(settings.sourceAddress());
        }
        this.client = vertx.createNetClient(options);
        this.bodyReader = vertx.createSharedWorkerExecutor(BODY_POOL, 8);
        this.sessions = new SessionCache(vertx, settings.reuse().maxMessages(), settings.reuse().idle());
        // Opportunistic TLS (RFC 7435): encryption without authentication, so any certificate is taken;
        // under an MTA-STS policy the certificate is validated; under DANE a context per host is made.
        try {
            this.tls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .protocols("TLSv1.3", "TLSv1.2").build();
            // RFC 8461 §4.2: a DNS-ID of the certificate matches the MX host name, wildcards as RFC 6125.
            this.validating = SslContextBuilder.forClient().trustManager(mtaStsTrust)
                    .endpointIdentificationAlgorithm("HTTPS").protocols("TLSv1.3", "TLSv1.2").build();
            this.reporting = SslContextBuilder.forClient().trustManager(new ReportingTrustManager(mtaStsTrust))
                    .endpointIdentificationAlgorithm("HTTPS").protocols("TLSv1.3", "TLSv1.2").build();
            warmUp(tls);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the client TLS context", e);
        }
    }

    /**
     * Writes one ClientHello into a buffer: the JDK initialises its TLS classes on the first handshake
     * (seconds on a busy machine), which is then done here, off the event loops, not in a session.
     */
    private static void warmUp(SslContext context) throws SSLException {
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT, "warm-up.invalid", 25);
        try {
            engine.beginHandshake();
            engine.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
        } finally {
            engine.closeOutbound();
        }
    }

    /**
     * Delivers {@code message} to {@code recipients} (all of one domain) through {@code hosts}; one
     * result per recipient, in order. Never fails.
     */
    public Future<List<RecipientResult>> deliver(List<MxHost> hosts, OutboundMessage message,
            List<MailAddress> recipients) {
        return deliver(hosts, message, recipients, MtaStsPolicy.Mode.NONE,
                TlsReportPolicy.none(recipients.get(0).domain().ascii()));
    }

    /**
     * As {@link #deliver(List, OutboundMessage, List)}, under the recipient domain's MTA-STS mode (RFC
     * 8461 §5): with {@code ENFORCE} every host must offer STARTTLS and present a certificate that
     * validates and names it, else the next host is tried, and never in plaintext; with {@code TESTING}
     * a certificate that would fail is logged and the session goes on. The hosts are those the policy
     * allows (the caller's part).
     *
     * @param reportAs the policy the sessions' TLS outcomes are counted under (RFC 8460), unless DANE
     *     applies to a host (then its TLSA records are)
     */
    public Future<List<RecipientResult>> deliver(List<MxHost> hosts, OutboundMessage message,
            List<MailAddress> recipients, MtaStsPolicy.Mode sts, TlsReportPolicy reportAs) {
        List<Target> targets = new ArrayList<>();
        for (MxHost host : hosts) {
            for (InetAddress address : host.addresses()) {
                targets.add(new Target(host.name(), address, host.secure()));
            }
        }
        Promise<List<RecipientResult>> result = Promise.promise();
        // A session kept from an earlier message to the first host is taken up on its event loop.
        String firstKey = targets.isEmpty() ? null : sessionKey(targets.get(0), message, sts);
        SessionCache.Idle idle = firstKey == null ? null : sessions.take(firstKey);
        // One event loop for the whole delivery: the session's state is touched by one thread.
        Context context = idle != null ? idle.context() : vertx.getOrCreateContext();
        context.runOnContext(v -> {
            Deadline deadline = new Deadline(settings.timeouts().delivery());
            deadline.timer = vertx.setTimer(Math.max(1, settings.timeouts().delivery().toMillis()), id -> deadline.expire());
            deadline.idle = idle;
            deadline.reportAs = reportAs;
            next(targets, 0, message, recipients, context, deadline, sts, "451 4.4.1 no host to try", null)
                    .andThen(done -> {
                        vertx.cancelTimer(deadline.timer);
                        if (deadline.idle != null) {
                            deadline.idle.connection().close(); // taken, and never used: the delivery ended first
                        }
                    })
                    .onComplete(result);
        });
        return result.future();
    }

    /**
     * The bound on one {@link #deliver}: when it passes, the session running is closed (before its
     * end of data the server discards what it got, RFC 5321 §4.1.1.4) and no further host is tried,
     * so that a delivery run never outlives the attempt its caller allows and is retried while a
     * session of it still goes on (two copies). Touched on the delivery's context only.
     */
    private static final class Deadline {
        private final Duration limit;
        private long timer;
        private boolean expired;
        private SmtpConnection current;
        /** A kept session to the first host, taken for this delivery; used by its first attempt. */
        private SessionCache.Idle idle;
        /** The policy TLS outcomes are counted under where DANE does not apply. */
        private TlsReportPolicy reportAs;

        Deadline(Duration limit) {
            this.limit = limit;
        }

        void expire() {
            expired = true;
            if (current != null) {
                current.abort(why());
            }
        }

        /** The session now running; closed at once when the deadline has passed. */
        SmtpConnection running(SmtpConnection connection) {
            current = connection;
            if (expired) {
                connection.abort(why());
            }
            return connection;
        }

        String why() {
            return "the delivery took longer than " + limit.toSeconds() + " s";
        }

        String reply() {
            return "451 4.4.7 " + why() + "; will retry";
        }
    }

    /**
     * The key a session with {@code target} is kept under: the server and the TLS it was set up with,
     * so that a kept session carries only a message that TLS satisfies; null when the session cannot
     * be kept (DANE decides its TLS host by host).
     */
    private String sessionKey(Target target, OutboundMessage message, MtaStsPolicy.Mode sts) {
        if (dane != null && target.secure() && message.tls() != Envelope.TlsRequirement.TLS_OPTIONAL) {
            return null;
        }
        String requiredBy = validationRequiredBy(message, sts);
        String tlsMode = requiredBy != null ? requiredBy : sts == MtaStsPolicy.Mode.TESTING ? "testing" : "opportunistic";
        return target.address().getHostAddress() + " " + settings.port() + " " + target.name() + " " + tlsMode;
    }

    private record Target(String name, InetAddress address, boolean secure) {
        String remoteMta() {
            return name + " [" + address.getHostAddress() + "]";
        }
    }

    private Future<List<RecipientResult>> next(List<Target> targets, int i, OutboundMessage message,
            List<MailAddress> recipients, Context context, Deadline deadline, MtaStsPolicy.Mode sts, String lastProblem,
            String lastMta) {
        if (deadline.expired) {
            return Future.succeededFuture(recipients.stream().map(r -> new RecipientResult(r,
                    DeliveryStatus.DEFERRED, deadline.reply(), lastMta, null)).toList());
        }
        if (i == targets.size()) {
            List<RecipientResult> deferred = recipients.stream().map(r -> new RecipientResult(r,
                    DeliveryStatus.DEFERRED, lastProblem, lastMta, null)).toList();
            return Future.succeededFuture(deferred);
        }
        Target target = targets.get(i);
        // RFC 8689 §4.2.2: TLS-Required: No sets DANE aside as well.
        Future<DanePolicy> lookup = dane == null || message.tls() == Envelope.TlsRequirement.TLS_OPTIONAL
                ? Future.succeededFuture(DanePolicy.NONE)
                : Future.fromCompletionStage(dane.policy(target.name(), target.secure(), settings.port()), context);
        return lookup.compose(policy -> {
            if (policy instanceof DanePolicy.Unavailable unavailable) {
                LOG.info("DANE: {} not used: {}", target.remoteMta(), unavailable.reason());
                tlsResults.session(TlsReportPolicy.tlsa(target.name(), List.of()), target.name(),
                        target.address().getHostAddress()).failed(unavailable.type(), unavailable.reason());
                return next(targets, i + 1, message, recipients, context, deadline, sts, "451 4.7.5 DANE: "
                        + unavailable.reason(), target.remoteMta());
            }
            if (policy instanceof DanePolicy.Required required) {
                return daneAttempt(target, required, message, recipients, context, deadline).compose(attempt -> {
                    if (attempt instanceof RemoteTransaction.Attempt.Finished finished) {
                        return Future.succeededFuture(finished.results());
                    }
                    String reply = attempt instanceof RemoteTransaction.Attempt.TlsFailed tls
                            ? "451 4.7.5 DANE: TLS with " + tls.remoteMta() + " failed: " + tls.reason()
                            : ((RemoteTransaction.Attempt.TryNext) attempt).reply();
                    LOG.info("{} did not take the message: {}", target.remoteMta(), reply);
                    return next(targets, i + 1, message, recipients, context, deadline, sts, reply, target.remoteMta());
                });
            }
            return undaned(targets, i, message, recipients, context, deadline, sts);
        });
    }

    /**
     * Why this delivery needs TLS with a certificate that validates and names the host, as the prefix
     * of the replies made here ({@code "REQUIRETLS: "}, {@code "MTA-STS: "}); null when it does not.
     */
    private static String validationRequiredBy(OutboundMessage message, MtaStsPolicy.Mode sts) {
        return message.requireTls() ? "REQUIRETLS: " : sts == MtaStsPolicy.Mode.ENFORCE ? "MTA-STS: " : null;
    }

    /** The attempt with {@code targets.get(i)} where DANE does not apply. */
    private Future<List<RecipientResult>> undaned(List<Target> targets, int i, OutboundMessage message,
            List<MailAddress> recipients, Context context, Deadline deadline, MtaStsPolicy.Mode sts) {
        Target target = targets.get(i);
        String requiredBy = validationRequiredBy(message, sts);
        return attempt(target, message, recipients, context, deadline, true, sts).compose(attempt -> {
            if (attempt instanceof RemoteTransaction.Attempt.Finished finished) {
                return Future.succeededFuture(finished.results());
            }
            if (attempt instanceof RemoteTransaction.Attempt.TlsFailed tls) {
                if (requiredBy != null) {
                    LOG.info("{}TLS with {} failed: {}", requiredBy, tls.remoteMta(), tls.reason());
                    return next(targets, i + 1, message, recipients, context, deadline, sts, "451 4.7.5 " + requiredBy
                            + "TLS with " + tls.remoteMta() + " failed: " + tls.reason(), tls.remoteMta());
                }
                if (settings.tls() != TlsPolicy.OPPORTUNISTIC) {
                    return next(targets, i + 1, message, recipients, context, deadline, sts,
                            "451 4.7.5 TLS handshake with " + tls.remoteMta() + " failed: " + tls.reason(), tls.remoteMta());
                }
                // Opportunistic, as Postfix: the same server again at once, in plaintext.
                LOG.info("TLS handshake with {} failed ({}); sending in plaintext", tls.remoteMta(), tls.reason());
                return attempt(target, message, recipients, context, deadline, false, sts).compose(plain -> {
                    if (plain instanceof RemoteTransaction.Attempt.Finished finished) {
                        return Future.succeededFuture(finished.results());
                    }
                    RemoteTransaction.Attempt.TryNext skip = (RemoteTransaction.Attempt.TryNext) plain;
                    return next(targets, i + 1, message, recipients, context, deadline, sts, skip.reply(), skip.remoteMta());
                });
            }
            RemoteTransaction.Attempt.TryNext skip = (RemoteTransaction.Attempt.TryNext) attempt;
            LOG.info("{} did not take the message: {}", skip.remoteMta(), skip.reply());
            return next(targets, i + 1, message, recipients, context, deadline, sts, skip.reply(), skip.remoteMta());
        });
    }

    /**
     * One session: the kept one to this host when the delivery took one, else a new connection (also
     * when the kept one turns out stale); a connection that cannot be made is TryNext. A session set
     * up with STARTTLS as the message needs may be kept for the next message.
     */
    private Future<RemoteTransaction.Attempt> attempt(Target target, OutboundMessage message,
            List<MailAddress> recipients, Context context, Deadline deadline, boolean mayStartTls, MtaStsPolicy.Mode sts) {
        String key = mayStartTls ? sessionKey(target, message, sts) : null;
        SessionCache.Idle idle = deadline.idle;
        deadline.idle = null;
        if (idle != null && key != null && idle.context() == context) {
            SmtpConnection kept = deadline.running(idle.connection());
            return session(target, kept, message, recipients, context, mayStartTls, sts, deadline.reportAs,
                    new RemoteTransaction.Reuse(sessions, key, idle)).compose(attempt -> {
                        if (attempt instanceof RemoteTransaction.Attempt.Stale stale) {
                            LOG.debug("kept session with {} is stale ({}); connecting again", target.remoteMta(),
                                    stale.why());
                            return attempt(target, message, recipients, context, deadline, mayStartTls, sts);
                        }
                        return Future.succeededFuture(attempt);
                    });
        }
        if (idle != null) {
            idle.connection().close();
        }
        return connect(target).transform((socket, failure) -> {
            if (failure != null) {
                return Future.succeededFuture(unreachable(target, failure));
            }
            SmtpConnection connection = deadline.running(new SmtpConnection(vertx, context, socket, target.remoteMta()));
            return session(target, connection, message, recipients, context, mayStartTls, sts, deadline.reportAs,
                    key == null ? null : new RemoteTransaction.Reuse(sessions, key, null));
        });
    }

    private Future<RemoteTransaction.Attempt> session(Target target, SmtpConnection connection, OutboundMessage message,
            List<MailAddress> recipients, Context context, boolean mayStartTls, MtaStsPolicy.Mode sts,
            TlsReportPolicy reportAs, RemoteTransaction.Reuse reuse) {
        TlsResults.Session report = tlsResults.session(reportAs, target.name(), target.address().getHostAddress());
        // SNI carries host names only (RFC 6066 §3), never an address literal.
        String serverName = target.name().startsWith("[") ? null : target.name();
        String requiredBy = validationRequiredBy(message, sts);
        if (requiredBy != null) {
            return new RemoteTransaction(connection, settings.withTls(TlsPolicy.REQUIRED), message, recipients,
                    mayStartTls, serverName, validating, bodyReader, context, requiredBy, reuse, report).run();
        }
        SslContext handshake = sts == MtaStsPolicy.Mode.TESTING ? reporting : tls;
        return new RemoteTransaction(connection, settings, message, recipients, mayStartTls, serverName,
                handshake, bodyReader, context, "", reuse, report).run();
    }

    /**
     * A session under DANE: STARTTLS required, SNI the TLSA base domain (RFC 7672 §8.1), the chain
     * authenticated by the TLSA records. The TLS context is built on the body pool (it loads crypto).
     * With no usable TLSA record TLS is unauthenticated, unless REQUIRETLS asks for the PKIX check.
     */
    private Future<RemoteTransaction.Attempt> daneAttempt(Target target, DanePolicy.Required policy,
            OutboundMessage message, List<MailAddress> recipients, Context context, Deadline deadline) {
        Future<SslContext> handshake = policy.usable().isEmpty()
                ? Future.succeededFuture(message.requireTls() ? validating : tls)
                : bodyReader.executeBlocking(() -> SslContextBuilder.forClient()
                        .trustManager(new DaneTrustManager(policy)).protocols("TLSv1.3", "TLSv1.2").build(), false);
        TlsResults.Session report = tlsResults.session(TlsReportPolicy.tlsa(policy.baseDomain(),
                policy.usable().stream().map(TlsaRecord::toString).toList()), target.name(), target.address().getHostAddress());
        return handshake.compose(ssl -> connect(target).transform((socket, failure) -> {
            if (failure != null) {
                return Future.succeededFuture(unreachable(target, failure));
            }
            SmtpConnection connection = deadline.running(new SmtpConnection(vertx, context, socket, target.remoteMta()));
            return new RemoteTransaction(connection, settings.withTls(TlsPolicy.REQUIRED), message, recipients, true,
                    policy.baseDomain(), ssl, bodyReader, context, "DANE: ", report).run();
        }));
    }

    private Future<NetSocket> connect(Target target) {
        ConnectOptions connect = new ConnectOptions().setHost(target.address().getHostAddress())
                .setPort(settings.port())
                .setTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeouts().connect().toMillis()));
        return client.connect(connect);
    }

    private static RemoteTransaction.Attempt unreachable(Target target, Throwable failure) {
        String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        LOG.info("could not connect to {}: {}", target.remoteMta(), why);
        return new RemoteTransaction.Attempt.TryNext(
                "451 4.4.1 could not connect to " + target.remoteMta() + ": " + why, target.remoteMta());
    }

    /** Where sessions' TLS outcomes are counted. */
    public TlsResults tlsResults() {
        return tlsResults;
    }

    /** Sessions kept between messages now (tests, metrics). */
    public int keptSessions() {
        return sessions.size();
    }

    @Override
    public void close() {
        sessions.close();
        client.close();
        bodyReader.close();
    }
}
