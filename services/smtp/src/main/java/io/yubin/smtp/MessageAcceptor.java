package io.yubin.smtp;

import io.vertx.core.Context;
import io.vertx.core.Future;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a received message durable (docs/architecture.md §1, §4.1): prepends {@code Return-Path} and
 * {@code Received} (and on submission {@code Message-ID}/{@code Date} when missing), streams the
 * body into the {@link io.yubin.store.BlobStore} and records the envelope in the
 * {@link io.yubin.store.Spool} ({@link io.yubin.store.Spool#acceptWithBody}), then offers the spool id to the {@link DeliveryQueue}. Completes
 * with the spool id only when blob and spool entry are durable. Mail from authenticated submission
 * goes through the {@link SubmissionSigner} first, when there is one: its DKIM-Signature fields
 * stand between the trace fields and the message, and cover the Message-ID and Date added here.
 */
final class MessageAcceptor {

    private static final Logger LOG = LoggerFactory.getLogger(MessageAcceptor.class);
    // RFC 5322 §3.3 date-time.
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** What the session knows about the message beyond its envelope. */
    record Trace(String sessionId, String heloName, String clientAddress, boolean esmtp, String tlsProtocol,
            String tlsCipher, String authenticatedUser, boolean submission) {
    }

    private final String hostname;
    private final Storage storage;
    private final DeliveryQueue queue;
    /** Null: nothing is signed. */
    private final SubmissionSigner signer;

    MessageAcceptor(String hostname, Storage storage, DeliveryQueue queue, SubmissionSigner signer) {
        this.hostname = hostname;
        this.storage = storage;
        this.queue = queue;
        this.signer = signer;
    }

    Future<SpoolId> accept(Context context, Envelope envelope, MessageBody body, Trace trace) {
        SpoolId id = SpoolId.next();
        Instant now = Instant.now();
        byte[] traceFields = traceFields(id, envelope, trace, now).getBytes(StandardCharsets.UTF_8);
        byte[] added = addedFields(id, body, trace, now).getBytes(StandardCharsets.UTF_8);
        SpoolEntry.ClientInfo client = new SpoolEntry.ClientInfo(trace.heloName(), trace.clientAddress(),
                trace.authenticatedUser());
        // One call for body and entry: the embedded backend writes a small body and the entry in one
        // commit; either way both are durable when it completes, and an unspooled blob is deleted.
        Future<SpoolId> spooled = body.finish().compose(v -> signatures(context, envelope, body, trace, added))
                .compose(signatures -> {
                    InputStream content = new SequenceInputStream(new ByteArrayInputStream(
                            concat(traceFields, signatures, added)), body.inputStream());
                    return Future.fromCompletionStage(storage.spool().acceptWithBody(storage.blobs(), content,
                            blob -> SpoolEntry.queued(id, envelope, blob, now, client)), context);
                }).map(entry -> id);
        Future<SpoolId> offered = spooled.compose(spoolId -> offer(context, spoolId, trace));
        return offered.andThen(ar -> body.discard()
                .onFailure(t -> LOG.warn("[{}] could not delete temporary body file", trace.sessionId(), t)));
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
                    new SequenceInputStream(new ByteArrayInputStream(added), body.inputStream()));
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
        String date = DATE.format(now.atOffset(ZoneOffset.UTC));
        StringBuilder h = new StringBuilder(512);
        // The very first line, so delivery to a remote host can skip it.
        h.append("Return-Path: <").append(envelope.sender() == null ? "" : envelope.sender().toString()).append(">\r\n");
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
        Set<String> names = new HashSet<>();
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int pos = 0;
        while (pos < text.length()) {
            int eol = text.indexOf("\r\n", pos);
            String line = eol < 0 ? text.substring(pos) : text.substring(pos, eol);
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) != ' ' && line.charAt(0) != '\t') {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    names.add(line.substring(0, colon).strip().toLowerCase(Locale.ROOT));
                }
            }
            if (eol < 0) {
                break;
            }
            pos = eol + 2;
        }
        return names;
    }
}
