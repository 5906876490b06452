package io.yubin.delivery.remote;

import io.yubin.delivery.mtasts.MtaStsPolicies;
import io.yubin.delivery.mtasts.MtaStsPolicy;
import io.yubin.delivery.tlsrpt.TlsReportPolicy;
import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt to deliver a message to remote recipients: the recipients are grouped by domain, each
 * domain's hosts are found ({@link MxResolver}) and one SMTP session per domain carries all its
 * recipients ({@link SmtpClient}), under the domain's MTA-STS policy when it has one (RFC 8461).
 * Domains are delivered to at the same time. Recording the results and scheduling the next attempt
 * are the caller's (the spool holds the state).
 */
public final class RemoteDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteDelivery.class);

    private final MxResolver mx;
    private final SmtpClient smtp;
    private final DomainConnections connections;
    private final MtaStsPolicies mtaSts;

    public RemoteDelivery(MxResolver mx, SmtpClient smtp) {
        this(mx, smtp, DomainConnections.unlimited(), null);
    }

    /** With at most {@code connections} sessions per recipient domain at once; MTA-STS policies ignored. */
    public RemoteDelivery(MxResolver mx, SmtpClient smtp, DomainConnections connections) {
        this(mx, smtp, connections, null);
    }

    /**
     * With at most {@code connections} sessions per recipient domain at once.
     *
     * @param mtaSts the recipient domains' MTA-STS policies (RFC 8461); null to ignore them
     */
    public RemoteDelivery(MxResolver mx, SmtpClient smtp, DomainConnections connections, MtaStsPolicies mtaSts) {
        this.mx = mx;
        this.smtp = smtp;
        this.connections = connections;
        this.mtaSts = mtaSts;
    }

    /** One result per recipient, in the order given. Never fails. */
    public CompletionStage<List<RecipientResult>> deliver(OutboundMessage message, List<MailAddress> recipients) {
        Map<Domain, List<MailAddress>> byDomain = new LinkedHashMap<>();
        for (MailAddress recipient : recipients) {
            byDomain.computeIfAbsent(recipient.domain(), d -> new ArrayList<>()).add(recipient);
        }
        List<CompletableFuture<List<RecipientResult>>> domains = new ArrayList<>();
        for (Map.Entry<Domain, List<MailAddress>> domain : byDomain.entrySet()) {
            domains.add(deliver(domain.getKey(), message, domain.getValue()).toCompletableFuture());
        }
        return CompletableFuture.allOf(domains.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<MailAddress, RecipientResult> results = new LinkedHashMap<>();
            domains.forEach(d -> d.join().forEach(r -> results.put(r.recipient(), r)));
            return recipients.stream().map(results::get).toList();
        });
    }

    /** Where to go, under which MTA-STS mode, and the policy the TLS report counts the sessions under. */
    private record Route(MxResult found, MtaStsPolicy.Mode sts, TlsReportPolicy reportAs) {
        Route with(MxResult other) {
            return new Route(other, sts, reportAs);
        }
    }

    /**
     * RFC 8689 §4.2.1: a REQUIRETLS message goes only to MX hosts that DNSSEC proved or that an MTA-STS
     * policy in enforce mode names; else it cannot be sent at all.
     */
    private static Route authenticated(Domain domain, Route route) {
        if (!(route.found() instanceof MxResult.Hosts hosts) || route.sts() == MtaStsPolicy.Mode.ENFORCE) {
            return route;
        }
        List<MxHost> proven = hosts.hosts().stream().filter(MxHost::secure).toList();
        if (proven.isEmpty()) {
            return route.with(new MxResult.PermanentFailure("550 5.7.30 REQUIRETLS: the MX hosts of " + domain.ascii()
                    + " are proven neither by DNSSEC nor by an MTA-STS policy in enforce mode"));
        }
        return route.with(new MxResult.Hosts(proven));
    }

    private CompletionStage<List<RecipientResult>> deliver(Domain domain, OutboundMessage message,
            List<MailAddress> recipients) {
        // RFC 8689 §4.2.2: TLS-Required: No sets the recipient domain's policy aside.
        CompletionStage<MtaStsPolicy> policy = mtaSts == null || domain.isAddressLiteral()
                || message.tls() == Envelope.TlsRequirement.TLS_OPTIONAL
                ? CompletableFuture.completedFuture(null) : mtaSts.policy(domain.ascii());
        return mx.resolve(domain).thenCombine(policy, (found, sts) -> {
            if (!(found instanceof MxResult.Hosts hosts) || sts == null || sts.mode() == MtaStsPolicy.Mode.NONE) {
                return new Route(found, MtaStsPolicy.Mode.NONE, TlsReportPolicy.none(domain.ascii()));
            }
            TlsReportPolicy reportAs = TlsReportPolicy.sts(domain.ascii(), sts.lines(), sts.mx());
            List<MxHost> allowed = hosts.hosts().stream().filter(h -> sts.matches(h.name())).toList();
            if (sts.mode() == MtaStsPolicy.Mode.TESTING) {
                hosts.hosts().stream().filter(h -> !allowed.contains(h)).forEach(h -> LOG.warn(
                        "MTA-STS (testing mode): MX {} of {} matches none of the policy's mx {}", h.name(),
                        domain.ascii(), sts.mx()));
                return new Route(found, MtaStsPolicy.Mode.TESTING, reportAs);
            }
            if (allowed.isEmpty()) {
                // RFC 8461 §5: with enforce, mail goes only to MX hosts matching the policy.
                hosts.hosts().forEach(h -> smtp.tlsResults().failure(reportAs, new TlsResults.Failure(
                        TlsResultType.VALIDATION_FAILURE, h.name(), null, "the MX host matches no mx of the policy")));
                return new Route(new MxResult.TemporaryFailure("451 4.7.5 MTA-STS: no MX host of " + domain.ascii()
                        + " (" + hosts.hosts().stream().map(MxHost::name).toList() + ") matches the policy's mx "
                        + sts.mx()), MtaStsPolicy.Mode.ENFORCE, reportAs);
            }
            return new Route(new MxResult.Hosts(allowed), MtaStsPolicy.Mode.ENFORCE, reportAs);
        }).thenApply(route -> message.requireTls() ? authenticated(domain, route) : route).thenCompose(route -> {
            MxResult found = route.found();
            if (found instanceof MxResult.Hosts hosts) {
                return connections.run(domain.ascii(),
                        () -> smtp.deliver(hosts.hosts(), message, recipients, route.sts(), route.reportAs()).toCompletionStage(),
                        // RFC 3463 X.4.5: mail system congestion
                        () -> recipients.stream().map(r -> new RecipientResult(r, DeliveryStatus.DEFERRED,
                                "451 4.4.5 " + connections.max() + " sessions to " + domain.ascii()
                                        + " are running already; will retry", null, null)).toList());
            }
            boolean permanent = found instanceof MxResult.PermanentFailure;
            String reply = permanent ? ((MxResult.PermanentFailure) found).reply()
                    : ((MxResult.TemporaryFailure) found).reply();
            return CompletableFuture.completedFuture(recipients.stream().map(r -> new RecipientResult(r,
                    permanent ? DeliveryStatus.FAILED : DeliveryStatus.DEFERRED, reply, null, null)).toList());
        });
    }
}
