package io.yubin.delivery.tlsrpt;

import io.yubin.delivery.DsnSpooler;
import io.yubin.mailauth.dkim.DkimSigner;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobStore;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the daily TLS reports (RFC 8460): for every finished UTC day that {@link TlsResults} counted,
 * one report per policy domain that asks for them with a {@code _smtp._tls} TXT record (§3), to each
 * of its {@code rua} URIs: by mail (§5.3; spooled and delivered like any message, DKIM-signed when the
 * submitter's domain has a key, with TLS-Required: No) or by HTTPS POST of the gzip form (§5.4). A
 * domain without a valid record gets no report; its counts are dropped.
 */
public final class TlsReporter {

    private static final Logger LOG = LoggerFactory.getLogger(TlsReporter.class);

    /**
     * @param organization the organization-name of the reports
     * @param contact the contact-info of the reports
     * @param submitter the reporting domain (TLS-Report-Submitter), whose DKIM key signs the mail
     * @param from the address reports are sent from (header From and envelope sender)
     * @param member this cluster member's name, part of the report-id (each member reports its own sessions)
     */
    public record Settings(String organization, String contact, String submitter, MailAddress from, String member) {
        public Settings {
            Objects.requireNonNull(organization, "organization");
            Objects.requireNonNull(contact, "contact");
            Objects.requireNonNull(submitter, "submitter");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(member, "member");
        }
    }

    /** What became of one report sent to one URI (logs, tests). */
    public record Sent(LocalDate day, String policyDomain, URI to, boolean delivered, String detail) {
    }

    private final TlsResults results;
    private final DnsResolver dns;
    private final Spool spool;
    private final BlobStore blobs;
    private final Function<SpoolId, CompletionStage<Void>> offer;
    private final HttpClient http;
    private final DkimSigner signer;
    private final Settings settings;
    private final Clock clock;
    private final Executor worker;

    /**
     * @param offer hands a spooled report to the delivery queue
     * @param http for https: URIs; its SSL context decides which servers are trusted
     * @param signer signs the mail with the submitter's keys; null for unsigned reports
     * @param worker where reports are written and signed (never an event loop)
     */
    public TlsReporter(TlsResults results, DnsResolver dns, Spool spool, BlobStore blobs,
            Function<SpoolId, CompletionStage<Void>> offer, HttpClient http, DkimSigner signer, Settings settings,
            Clock clock, Executor worker) {
        this.results = results;
        this.dns = dns;
        this.spool = spool;
        this.blobs = blobs;
        this.offer = offer;
        this.http = http;
        this.signer = signer;
        this.settings = settings;
        this.clock = clock;
        this.worker = worker;
    }

    /** Reports every finished day counted and not reported yet; one result per report and URI. */
    public CompletionStage<List<Sent>> reportFinishedDays() {
        CompletableFuture<List<Sent>> all = CompletableFuture.completedFuture(new ArrayList<>());
        for (LocalDate day : results.finishedDays()) {
            Map<String, Map<TlsReportPolicy, TlsResults.Summary>> byDomain = new LinkedHashMap<>();
            results.take(day).forEach((policy, summary) ->
                    byDomain.computeIfAbsent(policy.domain(), d -> new LinkedHashMap<>()).put(policy, summary));
            for (Map.Entry<String, Map<TlsReportPolicy, TlsResults.Summary>> domain : byDomain.entrySet()) {
                all = all.thenCompose(sent -> report(day, domain.getKey(), domain.getValue())
                        .thenApply(more -> {
                            sent.addAll(more);
                            return sent;
                        }).toCompletableFuture());
            }
        }
        return all;
    }

    private CompletionStage<List<Sent>> report(LocalDate day, String domain, Map<TlsReportPolicy, TlsResults.Summary> policies) {
        return dns.txt("_smtp._tls." + domain).thenCompose(txt -> {
            TlsRptRecord record = txt instanceof DnsResult.TempError ? null : TlsRptRecord.select(txt.records());
            if (record == null) {
                LOG.debug("TLSRPT: {} asks for no reports ({})", domain, txt);
                return CompletableFuture.completedFuture(List.<Sent>of());
            }
            String reportId = day + "." + settings.member() + "." + domain + "@" + settings.submitter();
            TlsReport report = new TlsReport(settings.organization(), settings.contact(), settings.submitter(),
                    reportId, day, domain, policies);
            List<CompletableFuture<List<Sent>>> sending = new ArrayList<>();
            List<String> mailto = new ArrayList<>();
            for (URI uri : record.rua()) {
                if (uri.getScheme().equalsIgnoreCase("mailto")) {
                    mailto.add(URLDecoder.decode(uri.getSchemeSpecificPart().split("\\?", 2)[0], StandardCharsets.UTF_8));
                } else {
                    sending.add(post(report, uri).thenApply(List::of).toCompletableFuture());
                }
            }
            if (!mailto.isEmpty()) {
                sending.add(mail(report, mailto).toCompletableFuture());
            }
            return CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<Sent> sent = new ArrayList<>();
                sending.forEach(s -> sent.addAll(s.join()));
                sent.forEach(s -> LOG.info("TLSRPT: report of {} for {} to {}: {}", day, domain, s.to(), s.detail()));
                return sent;
            });
        });
    }

    /** §5.4: POST of the gzip form; a 2xx answer is success, anything else is logged and dropped. */
    private CompletionStage<Sent> post(TlsReport report, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/tlsrpt+gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(report.gzip())).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, failure) -> {
            if (failure != null) {
                return new Sent(report.day(), report.policyDomain(), uri, false, "failed: " + failure.getMessage());
            }
            boolean ok = response.statusCode() / 100 == 2;
            return new Sent(report.day(), report.policyDomain(), uri, ok, "HTTP " + response.statusCode());
        });
    }

    /** §5.3: one message to every mailto: address, spooled and offered to the delivery queue. */
    private CompletionStage<List<Sent>> mail(TlsReport report, List<String> addresses) {
        List<Sent> refused = new ArrayList<>();
        List<Envelope.Recipient> recipients = new ArrayList<>();
        for (String address : addresses) {
            try {
                recipients.add(Envelope.Recipient.of(MailAddress.parse(address)));
            } catch (IllegalArgumentException e) {
                refused.add(new Sent(report.day(), report.policyDomain(), URI.create("mailto:" + address.replaceAll("[^!-~]", "")),
                        false, "not an address: " + e.getMessage()));
            }
        }
        if (recipients.isEmpty()) {
            return CompletableFuture.completedFuture(refused);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        SpoolId id = SpoolId.next();
        // RFC 8689 §5: a TLS report goes even where TLS would fail, so TLS-Required: No.
        Envelope envelope = new Envelope(settings.from(), recipients, Envelope.BodyType.SEVEN_BIT, false, null, null,
                Envelope.TlsRequirement.TLS_OPTIONAL);
        return CompletableFuture.supplyAsync(() -> signed(report.mail(settings.from().toString(), addresses, now,
                        id.value() + "." + settings.member() + "@" + settings.submitter())), worker)
                .thenCompose(bytes -> spool.acceptWithBody(blobs, new ByteArrayInputStream(bytes),
                        blob -> SpoolEntry.queued(id, envelope, blob, now,
                                new SpoolEntry.ClientInfo(settings.submitter(), DsnSpooler.CLIENT_ADDRESS, null))))
                .thenCompose(entry -> offer.apply(id))
                .handle((v, failure) -> {
                    List<Sent> sent = new ArrayList<>(refused);
                    for (Envelope.Recipient r : recipients) {
                        sent.add(new Sent(report.day(), report.policyDomain(), URI.create("mailto:" + r.address()),
                                failure == null, failure == null ? "spooled as " + id : "not spooled: " + failure.getMessage()));
                    }
                    return sent;
                });
    }

    private byte[] signed(byte[] message) {
        if (signer == null) {
            return message;
        }
        List<String> fields = signer.sign(settings.submitter(), message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.forEach(f -> out.writeBytes(f.getBytes(StandardCharsets.US_ASCII)));
        out.writeBytes(message);
        return out.toByteArray();
    }
}
