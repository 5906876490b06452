package io.yubin.delivery.remote;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One attempt to deliver a message to remote recipients: the recipients are grouped by domain, each
 * domain's hosts are found ({@link MxResolver}) and one SMTP session per domain carries all its
 * recipients ({@link SmtpClient}). Domains are delivered to at the same time. Recording the results
 * and scheduling the next attempt are the caller's (the spool holds the state).
 */
public final class RemoteDelivery {

    private final MxResolver mx;
    private final SmtpClient smtp;
    private final DomainConnections connections;

    public RemoteDelivery(MxResolver mx, SmtpClient smtp) {
        this(mx, smtp, DomainConnections.unlimited());
    }

    /** With at most {@code connections} sessions per recipient domain at once. */
    public RemoteDelivery(MxResolver mx, SmtpClient smtp, DomainConnections connections) {
        this.mx = mx;
        this.smtp = smtp;
        this.connections = connections;
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

    private CompletionStage<List<RecipientResult>> deliver(Domain domain, OutboundMessage message,
            List<MailAddress> recipients) {
        return mx.resolve(domain).thenCompose(found -> {
            if (found instanceof MxResult.Hosts hosts) {
                return connections.run(domain.ascii(),
                        () -> smtp.deliver(hosts.hosts(), message, recipients).toCompletionStage(),
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
