package io.yubin.delivery.remote;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobStore;
import io.yubin.store.SpoolEntry;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A message to send: what the envelope says about it and how to read its body.
 *
 * @param sender the reverse-path; null for the null reverse-path
 * @param size the body's size in octets (SIZE, RFC 1870)
 * @param body the declared body type: 8BITMIME and BINARYMIME need the peer's support (RFC 6152, RFC 3030)
 * @param smtpUtf8 the message needs SMTPUTF8 (RFC 6531): the client asked for it, or an address is UTF-8
 * @param content opens the body (with CRLF line ends, as accepted); the stream is read on a worker
 *     thread and closed by the client; called once per attempt
 * @param tls what the sender asked of the TLS of this hop (RFC 8689)
 * @param dsn the envelope whose DSN parameters (RET, ENVID; NOTIFY and ORCPT per recipient) go on to a
 *     server that offers DSN (RFC 3461 §5.2); null for none
 */
public record OutboundMessage(MailAddress sender, long size, Envelope.BodyType body, boolean smtpUtf8,
        Supplier<CompletionStage<InputStream>> content, Envelope.TlsRequirement tls, Envelope dsn) {

    public OutboundMessage {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(tls, "tls");
    }

    /** A message whose sender asked nothing of TLS, without DSN parameters. */
    public OutboundMessage(MailAddress sender, long size, Envelope.BodyType body, boolean smtpUtf8,
            Supplier<CompletionStage<InputStream>> content) {
        this(sender, size, body, smtpUtf8, content, Envelope.TlsRequirement.POLICY, null);
    }

    /** REQUIRETLS (RFC 8689 §4.2.1). */
    public boolean requireTls() {
        return tls == Envelope.TlsRequirement.REQUIRETLS;
    }

    /** This message with the DSN parameters of {@code envelope}. */
    public OutboundMessage withDsn(Envelope envelope) {
        return new OutboundMessage(sender, size, body, smtpUtf8, content, tls, envelope);
    }

    /** This message with another TLS requirement. */
    public OutboundMessage withTls(Envelope.TlsRequirement requirement) {
        return new OutboundMessage(sender, size, body, smtpUtf8, content, requirement, dsn);
    }

    /**
     * The message of a spool entry, its body read from {@code blobs}. It needs SMTPUTF8 when the
     * client asked for it or when the sender or a recipient has a UTF-8 local part.
     */
    public static OutboundMessage of(SpoolEntry entry, BlobStore blobs) {
        Envelope envelope = entry.envelope();
        boolean utf8 = envelope.smtpUtf8() || (envelope.sender() != null && envelope.sender().isUtf8())
                || envelope.recipients().stream().anyMatch(r -> r.address().isUtf8());
        return new OutboundMessage(envelope.sender(), entry.blob().size(), envelope.body(), utf8,
                () -> blobs.get(entry.blob().id()), envelope.tls(), envelope);
    }
}
