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

    public RemoteDelivery(MxResolver mx, SmtpClient smtp) {
        this.mx = mx;
        this.smtp = smtp;
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
                return smtp.deliver(hosts.hosts(), message, recipients).toCompletionStage();
            }
            boolean permanent = found instanceof MxResult.PermanentFailure;
            String reply = permanent ? ((MxResult.PermanentFailure) found).reply()
                    : ((MxResult.TemporaryFailure) found).reply();
            return CompletableFuture.completedFuture(recipients.stream().map(r -> new RecipientResult(r,
                    permanent ? DeliveryStatus.FAILED : DeliveryStatus.DEFERRED, reply, null, null)).toList());
        });
    }
}
