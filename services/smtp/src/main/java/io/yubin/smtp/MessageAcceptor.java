package io.yubin.smtp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.yubin.filter.spam.SpamFilter;
import io.yubin.filter.spam.SpamTokenizer;
import io.yubin.mailauth.HeaderFieldRemover;
import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.mailauth.MessageHeader;
import io.yubin.mailauth.spf.SpfChecks;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a received message durable (docs/architecture.md §1, §4.1): prepends {@code Return-Path} and
 * {@code Received} (and on submission {@code Message-ID}/{@code Date} when missing), streams the
 * body into the {@link io.yubin.store.BlobStore} and records the envelope in the
 * {@link io.yubin.store.Spool} ({@link io.yubin.store.Spool#acceptWithBody}), then offers the spool id to the {@link DeliveryQueue}. Completes
 * with the spool id only when blob and spool entry are durable.
 *
 * <p>With an {@link InboundAuthenticator}, a message from the MX (one with an SPF check started at
 * MAIL FROM) is authenticated first: DMARC reject refuses it ({@link MessageRefusedException}),
 * otherwise the Authentication-Results field is prepended, after Return-Path. Every message loses the
 * Authentication-Results fields that claim our authserv-id (RFC 8601 §5). Mail from authenticated
 * submission goes through the {@link SubmissionSigner}, when there is one: its DKIM-Signature fields
 * stand between the trace fields and the message, and cover the Message-ID and Date added here.
 */
final class MessageAcceptor {

    private static final Logger LOG = LoggerFactory.getLogger(MessageAcceptor.class);
    /**
     * Received fields that make a message refused as looping: RFC 5321 §6.3 asks for a threshold of
     * at least 100 (Postfix's default of 50 is stricter than that).
     */
    static final int MAX_RECEIVED = 100;
    /** The field this server adds when a message could not be scanned for viruses. */
    static final String VIRUS_STATUS = "X-Virus-Status";
    /** The field this server adds with the spam score, SpamAssassin's name. */
    static final String SPAM_STATUS = "X-Spam-Status";

    // RFC 5322 §3.3 date-time.
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /**
     * What the session knows about the message beyond its envelope, and what the checks find out about it
     * for the transaction's log line ({@link TransactionLog}).
     */
    record Trace(String sessionId, String heloName, String clientAddress, boolean esmtp, String tlsProtocol,
            String tlsCipher, String authenticatedUser, boolean submission, TransactionLog.Findings findings) {

        Trace(String sessionId, String heloName, String clientAddress, boolean esmtp, String tlsProtocol,
                String tlsCipher, String authenticatedUser, boolean submission) {
            this(sessionId, heloName, clientAddress, esmtp, tlsProtocol, tlsCipher, authenticatedUser, submission,
                    new TransactionLog.Findings());
        }
    }

    private final String hostname;
    private final Storage storage;
    private final DeliveryQueue queue;
    /** Null when mail authentication is off. */
    private final InboundAuthenticator authenticator;
    /** Null: nothing is signed. */
    private final SubmissionSigner signer;
    /** Null: nothing is scanned. */
    private final VirusScanning virusScanning;
    /** Null: no spam filter. */
    private final SpamChecking spamChecking;

    MessageAcceptor(String hostname, Storage storage, DeliveryQueue queue, InboundAuthenticator authenticator,
            SubmissionSigner signer) {
        this(hostname, storage, queue, authenticator, signer, null);
    }

    MessageAcceptor(String hostname, Storage storage, DeliveryQueue queue, InboundAuthenticator authenticator,
            SubmissionSigner signer, VirusScanning virusScanning) {
        this(hostname, storage, queue, authenticator, signer, virusScanning, null);
    }

    MessageAcceptor(String hostname, Storage storage, DeliveryQueue queue, InboundAuthenticator authenticator,
            SubmissionSigner signer, VirusScanning virusScanning, SpamChecking spamChecking) {
        this.spamChecking = spamChecking;
        this.hostname = hostname;
        this.storage = storage;
        this.queue = queue;
        this.authenticator = authenticator;
        this.signer = signer;
        this.virusScanning = virusScanning;
    }

    /** Null when mail authentication is off. */
    InboundAuthenticator authenticator() {
        return authenticator;
    }

    Future<SpoolId> accept(Context context, Envelope envelope, MessageBody body, Trace trace) {
        return accept(context, envelope, body, trace, null);
    }

    /** @param spf the SPF check started at MAIL FROM, for a message to authenticate; else null */
    Future<SpoolId> accept(Context context, Envelope given, MessageBody body, Trace trace,
            CompletionStage<SpfChecks> spf) {
        SpoolId id = SpoolId.next();
        Envelope envelope = withTlsRequest(given, body.head());
        Instant now = Instant.now();
        byte[] added = addedFields(id, body, trace, now).getBytes(StandardCharsets.UTF_8);
        SpoolEntry.ClientInfo client = new SpoolEntry.ClientInfo(trace.heloName(), trace.clientAddress(),
                trace.authenticatedUser());
        Future<InboundAuthenticator.Verdict> checked = body.finish().compose(v -> loopCheck(body))
                .compose(v -> verify(context, body, spf))
                .compose(verdict -> refuseRejected(verdict, trace));
        Future<String> scanned = checked.compose(verdict -> scan(context, body, trace))
                .compose(virusStatus -> spam(context, envelope, body, trace, checked.result())
                        .map(spamStatus -> virusStatus + spamStatus));
        // One call for body and entry: the embedded backend writes a small body and the entry in one
        // commit; either way both are durable when it completes, and an unspooled blob is deleted.
        Future<SpoolId> spooled = scanned.compose(virusStatus -> signatures(context, envelope, body, trace, added)
                .compose(signatures -> {
                    InboundAuthenticator.Verdict verdict = checked.result();
                    byte[] traceFields = (traceFields(id, envelope, trace, now, verdict == null ? "" : verdict.header())
                            + virusStatus).getBytes(StandardCharsets.UTF_8);
                    InputStream content = new SequenceInputStream(new ByteArrayInputStream(
                            concat(traceFields, signatures, added)), received(body));
                    return Future.fromCompletionStage(storage.spool().acceptWithBody(storage.blobs(), content,
                            blob -> SpoolEntry.queued(id, envelope, blob, now, client)), context);
                })).map(entry -> id);
        Future<SpoolId> offered = spooled.compose(spoolId -> offer(context, spoolId, trace));
        return offered.andThen(ar -> body.discard()
                .onFailure(t -> LOG.warn("[{}] could not delete temporary body file", trace.sessionId(), t)));
    }

    /**
     * RFC 5321 §6.3: a message that has been through {@link #MAX_RECEIVED} hops is in a loop (an alias
     * that forwards to an address forwarding back, say) and is refused rather than passed round again.
     * Counted in the header block as far as the 64 KiB head reaches.
     */
    private static Future<Void> loopCheck(MessageBody body) {
        int received = fieldCounts(body.head()).getOrDefault("received", 0);
        return received < MAX_RECEIVED ? Future.succeededFuture()
                : Future.failedFuture(new MessageRefusedException(SmtpReplies.tooManyHops(received)));
    }

    /**
     * The message as received, less the fields that would speak for this server: Authentication-Results
     * claiming our authserv-id (RFC 8601 §5) when we authenticate, X-Virus-Status when we scan
     * (a sender's "X-Virus-Status: Clean" would pass for our verdict), and X-Spam-Status and
     * X-Spam-Lists when the spam filter runs (the model would learn the sender's claims).
     */
    private InputStream received(MessageBody body) {
        if (authenticator == null && virusScanning == null && spamChecking == null) {
            return body.inputStream();
        }
        Predicate<MessageHeader.Field> ours = field -> (authenticator != null && authenticator.isOwnResult(field))
                || (virusScanning != null && field.hasName(VIRUS_STATUS))
                || (spamChecking != null && (field.hasName(SPAM_STATUS) || field.hasName(SpamTokenizer.LISTS_FIELD)));
        return HeaderFieldRemover.filter(body.inputStream(), ours, InboundAuthenticator.MAX_HEADER_BYTES);
    }

    /** The authentication of a message from the MX; null (no verdict) when it is not checked. */
    private Future<InboundAuthenticator.Verdict> verify(Context context, MessageBody body,
            CompletionStage<SpfChecks> spf) {
        if (authenticator == null || spf == null) {
            return Future.succeededFuture(null);
        }
        return Future.fromCompletionStage(authenticator.verify(spf, body::inputStream), context);
    }

    /** DMARC reject refuses the message (RFC 7489 §6.6.4, §10.3); anything else goes on to the spool. */
    private static Future<InboundAuthenticator.Verdict> refuseRejected(InboundAuthenticator.Verdict verdict,
            Trace trace) {
        if (verdict == null) {
            return Future.succeededFuture(null);
        }
        trace.findings().authentication = verdict;
        LOG.info("[{}] {}", trace.sessionId(), verdict.header().replace("\r\n\t", " ").strip());
        if (verdict.action() == InboundAuthenticator.Action.REJECT) {
            return Future.failedFuture(new MessageRefusedException(SmtpReplies.dmarcReject(verdict.dmarc().fromDomain())));
        }
        return Future.succeededFuture(verdict);
    }

    /**
     * The virus scan (docs/filtering.md, "Viruses"): a virus refuses the message with {@code 554 5.7.1}
     * naming it; a scanner that cannot answer refuses it for now ({@code 451 4.7.1}) or, failing open,
     * lets it through tagged. Completes with the field to add (ending in CRLF), or empty.
     */
    private Future<String> scan(Context context, MessageBody body, Trace trace) {
        if (virusScanning == null) {
            return Future.succeededFuture("");
        }
        return Future.fromCompletionStage(virusScanning.scanner().scan(body::inputStream, body.size()), context)
                .compose(r -> {
                    trace.findings().virus = r.status().name().toLowerCase(Locale.ROOT)
                            + (r.detail() == null || r.detail().isEmpty() ? "" : " " + r.detail());
                    return virusVerdict(r, trace);
                });
    }

    private Future<String> virusVerdict(io.yubin.mailauth.virus.ScanResult r, Trace trace) {
        return switch (r.status()) {
            case CLEAN -> Future.succeededFuture("");
            case INFECTED -> {
                LOG.info("[{}] virus found: {}", trace.sessionId(), r.detail());
                yield Future.failedFuture(new MessageRefusedException(SmtpReplies.virusFound(r.detail())));
            }
            case SKIPPED -> Future.succeededFuture(virusStatus("not scanned, " + r.detail()));
            case FAILED -> {
                LOG.warn("[{}] virus scan failed: {}", trace.sessionId(), r.detail());
                yield virusScanning.failOpen() ? Future.succeededFuture(virusStatus("not scanned, "
                        + "the scanner failed")) : Future.failedFuture(new MessageRefusedException(
                                SmtpReplies.virusScannerUnavailable()));
            }
        };
    }

    /**
     * The spam filter (docs/filtering.md, "Spam") on mail from outside: the score with the global model
     * (and the recipient's, for a message to one recipient) goes into {@code X-Spam-Status}; at or above
     * the reject threshold of every recipient the message is refused with {@code 550 5.7.1}. Completes
     * with the field to add (ending in CRLF), or empty when the filter is off or the sender authenticated.
     */
    private Future<String> spam(Context context, Envelope envelope, MessageBody body, Trace trace,
            InboundAuthenticator.Verdict verdict) {
        if (spamChecking == null || trace.authenticatedUser() != null) {
            return Future.succeededFuture("");
        }
        List<String> recipients = envelope.recipients().stream().map(r -> r.address().canonical()).toList();
        String only = recipients.size() == 1 ? recipients.get(0) : null;
        SpamFilter filter = spamChecking.filter();
        SpamLists lists = spamChecking.lists();
        CompletionStage<Boolean> judges = filter.judges(only);
        // The message is read and tokenized once, only when a model judges it or the lists are asked
        // about its URLs, as it will be stored: without forged fields of ours, with our Authentication-Results.
        byte[] results = (verdict == null ? "" : verdict.header()).getBytes(StandardCharsets.UTF_8);
        CompletionStage<SpamTokenizer.Analysis> analysis = judges.thenCompose(judged -> judged || lists != null
                ? CompletableFuture.supplyAsync(() -> concat(results, SpamFilter.head(received(body))), spamChecking.worker())
                        .thenCompose(head -> filter.analyze(head, SpamLists.MAX_DOMAINS))
                : CompletableFuture.completedFuture(null));
        CompletionStage<List<String>> listings = lists == null ? CompletableFuture.completedFuture(List.of())
                : analysis.thenCompose(a -> lists.listings(trace.clientAddress(), a.urlDomains()));
        // With the features of the lists' field too, as the stored message will give them.
        CompletionStage<SpamFilter.Score> scored = judges.thenCompose(judged -> !judged
                ? CompletableFuture.completedFuture(SpamFilter.Score.UNTRAINED)
                : analysis.thenCombine(listings, (a, named) -> SpamTokenizer.withListings(a.features(), named))
                        .thenCompose(features -> filter.score(features, only)));
        return Future.fromCompletionStage(scored.thenCombine(listings.thenApply(SpamLists::field), SpamOutcome::new),
                context)
                .compose(outcome -> spamStatus(outcome, recipients, only, trace));
    }

    private record SpamOutcome(SpamFilter.Score score, String listsField) {
    }

    /**
     * What the score says: the fields to add, the lists' first (ending in CRLF), or the refusal.
     */
    private Future<String> spamStatus(SpamOutcome outcome, List<String> recipients, String only, Trace trace) {
        SpamFilter.Score score = outcome.score();
        trace.findings().spam = score;
        if (!score.trained()) {
            spamVerdict("untrained");
            return Future.succeededFuture(outcome.listsField() + SPAM_STATUS
                    + ": Unknown (the spam filter is not trained yet) by " + hostname + "\r\n");
        }
        double reject = recipients.stream().mapToDouble(r -> spamChecking.thresholds().of(r).reject()).max()
                .orElse(Double.MAX_VALUE);
        double junk = only != null ? spamChecking.thresholds().of(only).junk()
                : spamChecking.thresholds().defaults().junk();
        spamVerdict(score.atLeast(reject) ? "rejected" : score.atLeast(junk) ? "junk" : "ham");
        if (score.atLeast(reject)) {
            LOG.info("[{}] refused as spam: score {}", trace.sessionId(), String.format(Locale.ROOT, "%.4f", score.value()));
            return Future.failedFuture(new MessageRefusedException(SmtpReplies.spamReject(score.value())));
        }
        return Future.succeededFuture(outcome.listsField() + String.format(Locale.ROOT,
                "%s: %s, score=%.3f required=%.3f clues=%d%s by %s\r\n",
                SPAM_STATUS, score.atLeast(junk) ? "Yes" : "No", score.value(), junk, score.clues(),
                score.rules().isEmpty() ? "" : " tests=" + score.ruleNames(), hostname));
    }

    /**
     * Counts the SMTP-time spam verdicts on Micrometer's global registry ({@code yubin.spam.verdicts}, tag
     * {@code verdict}: ham, junk, rejected, untrained); junk is what the score alone says with the
     * recipient's (or the default) threshold.
     */
    private static void spamVerdict(String verdict) {
        io.micrometer.core.instrument.Metrics.counter("yubin.spam.verdicts", "verdict", verdict).increment();
    }

    /** The field that tells the recipient the message was not scanned; clamav-milter's name and style. */
    private String virusStatus(String why) {
        return VIRUS_STATUS + ": Unscanned (" + why + ") by " + hostname + "\r\n";
    }

    /** The spool is the truth: a failed offer is logged and re-offered by spool recovery. */
    private Future<SpoolId> offer(Context context, SpoolId id, Trace trace) {
        Future<Void> offered;
        try {
            offered = Future.fromCompletionStage(queue.offer(id), context);
        } catch (RuntimeException e) {
            offered = Future.failedFuture(e);
        }
        return offered.transform(ar -> {
            if (ar.failed()) {
                LOG.warn("[{}] spooled {} but could not offer it to the delivery queue; recovery will", trace.sessionId(),
                        id, ar.cause());
            }
            return Future.succeededFuture(id);
        });
    }

    /**
     * The signer's fields for mail from authenticated submission; none without a signer, for other
     * mail, or when signing failed (the message is still accepted: refusing mail because a key file
     * is broken would stop all of a domain's mail).
     */
    private Future<byte[]> signatures(Context context, Envelope envelope, MessageBody body, Trace trace,
            byte[] added) {
        if (signer == null || !trace.submission() || trace.authenticatedUser() == null) {
            return Future.succeededFuture(new byte[0]);
        }
        CompletionStage<List<String>> signed;
        try {
            signed = signer.sign(trace.sessionId(), MailAddress.parse(trace.authenticatedUser()), envelope.sender(),
                    new SequenceInputStream(new ByteArrayInputStream(added), received(body)));
        } catch (RuntimeException e) {
            signed = CompletableFuture.failedFuture(e);
        }
        return Future.fromCompletionStage(signed, context).transform(ar -> {
            if (ar.failed()) {
                LOG.warn("[{}] message not signed: {}", trace.sessionId(), ar.cause().toString());
                return Future.succeededFuture(new byte[0]);
            }
            return Future.succeededFuture(String.join("", ar.result()).getBytes(StandardCharsets.US_ASCII));
        });
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Return-Path and Received: never signed, since every hop adds its own. */
    String traceFields(SpoolId id, Envelope envelope, Trace trace, Instant now) {
        return traceFields(id, envelope, trace, now, "");
    }

    /** @param authenticationResults our Authentication-Results field (ending in CRLF), or empty */
    String traceFields(SpoolId id, Envelope envelope, Trace trace, Instant now, String authenticationResults) {
        String date = DATE.format(now.atOffset(ZoneOffset.UTC));
        StringBuilder h = new StringBuilder(512);
        // The very first line, so delivery to a remote host can skip it.
        h.append("Return-Path: <").append(envelope.sender() == null ? "" : envelope.sender().toString()).append(">\r\n");
        // RFC 8601 §5: at the top, with the trace fields; delivery finds it there (quarantine).
        h.append(authenticationResults);
        // RFC 5321 §4.4 trace field; RFC 3848 / RFC 6531 §3.7.3 with-protocol types.
        h.append("Received: from ").append(clean(trace.heloName())).append(" ([").append(trace.clientAddress())
                .append("])\r\n\tby ").append(hostname).append(" (Yubin) with ").append(protocol(envelope, trace))
                .append(" id ").append(id.value());
        if (trace.tlsProtocol() != null) {
            h.append("\r\n\t(version=").append(trace.tlsProtocol()).append(" cipher=").append(trace.tlsCipher()).append(')');
        }
        if (envelope.recipients().size() == 1) {
            h.append("\r\n\tfor <").append(envelope.recipients().get(0).address()).append('>');
        }
        h.append(";\r\n\t").append(date).append("\r\n");
        return h.toString();
    }

    /** On submission, Message-ID and Date when the client gave none (RFC 6409 §8.2, §8.3). */
    String addedFields(SpoolId id, MessageBody body, Trace trace, Instant now) {
        StringBuilder h = new StringBuilder();
        if (trace.submission()) {
            String date = DATE.format(now.atOffset(ZoneOffset.UTC));
            Set<String> present = headerNames(body.head());
            if (!present.contains("message-id")) {
                h.append("Message-ID: <").append(id.value()).append('@').append(hostname).append(">\r\n");
            }
            if (!present.contains("date")) {
                h.append("Date: ").append(date).append("\r\n");
            }
        }
        return h.toString();
    }

    private static String protocol(Envelope envelope, Trace trace) {
        if (!trace.esmtp()) {
            return "SMTP";
        }
        String base = envelope.smtpUtf8() ? "UTF8SMTP" : "ESMTP";
        return base + (trace.tlsProtocol() != null ? "S" : "") + (trace.authenticatedUser() != null ? "A" : "");
    }

    private static String clean(String helo) {
        StringBuilder out = new StringBuilder();
        helo.codePoints().filter(c -> c > 32 && c != 127 && c != '(' && c != ')' && c != ';')
                .limit(255).forEach(out::appendCodePoint);
        return out.length() == 0 ? "unknown" : out.toString();
    }

    /** Lower-case names of the fields in the header block (RFC 5322 §2.2), as far as {@code head} reaches. */
    static Set<String> headerNames(byte[] head) {
        return fieldCounts(head).keySet();
    }

    /** How many fields of each lower-case name the header block has, as far as {@code head} reaches. */
    static Map<String, Integer> fieldCounts(byte[] head) {
        Map<String, Integer> names = new HashMap<>();
        fields(head, (name, value) -> names.merge(name, 1, Integer::sum));
        return names;
    }

    /**
     * RFC 8689 §3: {@code TLS-Required: No} asks that the recipient domain's MTA-STS and DANE policies
     * not stop the message; REQUIRETLS, when given, wins over it (§4.2.2).
     */
    static Envelope withTlsRequest(Envelope envelope, byte[] head) {
        if (envelope.tls() != Envelope.TlsRequirement.POLICY) {
            return envelope;
        }
        boolean[] optional = {false};
        fields(head, (name, value) -> optional[0] |= name.equals("tls-required") && value.strip().equalsIgnoreCase("no"));
        return optional[0] ? envelope.withTls(Envelope.TlsRequirement.TLS_OPTIONAL) : envelope;
    }

    /**
     * Each field of the header block (RFC 5322 §2.2) as far as {@code head} reaches: its lower-case name
     * and its unfolded value.
     */
    private static void fields(byte[] head, java.util.function.BiConsumer<String, String> field) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        String name = null;
        StringBuilder value = new StringBuilder();
        int pos = 0;
        while (pos < text.length()) {
            int eol = text.indexOf("\r\n", pos);
            String line = eol < 0 ? text.substring(pos) : text.substring(pos, eol);
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                value.append(line);
            } else {
                if (name != null) {
                    field.accept(name, value.toString());
                }
                int colon = line.indexOf(':');
                name = colon > 0 ? line.substring(0, colon).strip().toLowerCase(Locale.ROOT) : null;
                value.setLength(0);
                if (colon > 0) {
                    value.append(line, colon + 1, line.length());
                }
            }
            if (eol < 0) {
                break;
            }
            pos = eol + 2;
        }
        if (name != null) {
            field.accept(name, value.toString());
        }
    }
}
