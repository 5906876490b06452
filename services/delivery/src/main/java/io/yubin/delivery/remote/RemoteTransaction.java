package io.yubin.delivery.remote;

import io.yubin.delivery.mtasts.ReportingTrustManager;
import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.netty.handler.ssl.SslContext;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One SMTP session with one remote server carrying one message to some of its recipients (those of
 * one domain): greeting, EHLO (HELO when EHLO is refused with 5xx), STARTTLS when offered and the
 * policy wants it, MAIL and RCPT (pipelined when PIPELINING is offered, RFC 2920), then BDAT chunks
 * (CHUNKING, RFC 3030) or DATA with dot-stuffing, then QUIT.
 *
 * <p>The session walks the {@link Phase}s in order; {@link #lost} is the one place that turns a lost
 * connection into results. Until MAIL is sent the server has taken no responsibility, so trouble
 * there ({@link Attempt.TryNext}) sends the caller to the next address; after it, a lost connection
 * defers the recipients not yet decided (the server may or may not have the message: RFC 1047).
 */
final class RemoteTransaction {

    /** Octets read from the body per chunk (also the BDAT chunk size). */
    static final int CHUNK = 64 * 1024;

    enum Phase { GREETING, EHLO, STARTTLS, MAIL, RCPT, DATA, BODY, END_OF_DATA, QUIT }

    /** How one session ended. */
    sealed interface Attempt {
        /** Every recipient has its result from this server (or from what it announced). */
        record Finished(List<RecipientResult> results) implements Attempt {
        }

        /** The server took no part of the message; try the next address. */
        record TryNext(String reply, String remoteMta) implements Attempt {
        }

        /** The TLS handshake failed; the connection is gone. */
        record TlsFailed(String reason, String remoteMta) implements Attempt {
        }

        /** A kept session did not answer RSET well; it is closed, and a new one should be made. */
        record Stale(String why) implements Attempt {
        }
    }

    /**
     * Keeping the session for further messages ({@link SessionCache}).
     *
     * @param key the server and TLS the session is kept under
     * @param idle the kept session this transaction runs on; null for a new session
     */
    record Reuse(SessionCache cache, String key, SessionCache.Idle idle) {
    }

    private final SmtpConnection connection;
    private final RemoteSettings settings;
    /** The message as sent: the given one, or its 7-bit form for a server without 8BITMIME. */
    private OutboundMessage message;
    private final List<MailAddress> recipients;
    private final boolean mayStartTls;
    private final String serverName;
    private final SslContext tls;
    private final WorkerExecutor bodyReader;
    private final Context context;
    /** Put before the replies made here when TLS is missing: why it was required ({@code MTA-STS: }), or empty. */
    private final String tlsRequiredBy;
    private final Map<MailAddress, RecipientResult> decided = new LinkedHashMap<>();
    private final List<MailAddress> accepted = new ArrayList<>();
    private Phase phase = Phase.GREETING;
    private EhloCapabilities capabilities = EhloCapabilities.NONE;
    private InputStream body;
    /** Null for a session that ends with this message. */
    private final Reuse reuse;
    /** Where the session's TLS outcome is counted for the TLS reports (RFC 8460). */
    private final TlsResults.Session tlsReport;
    /** Messages (transactions) this session has carried, this one included. */
    private int messages = 1;
    /** The session was handed to the cache rather than ended. */
    private boolean kept;

    RemoteTransaction(SmtpConnection connection, RemoteSettings settings, OutboundMessage message,
            List<MailAddress> recipients, boolean mayStartTls, String serverName, SslContext tls,
            WorkerExecutor bodyReader, Context context, String tlsRequiredBy, TlsResults.Session tlsReport) {
        this(connection, settings, message, recipients, mayStartTls, serverName, tls, bodyReader, context,
                tlsRequiredBy, null, tlsReport);
    }

    RemoteTransaction(SmtpConnection connection, RemoteSettings settings, OutboundMessage message,
            List<MailAddress> recipients, boolean mayStartTls, String serverName, SslContext tls,
            WorkerExecutor bodyReader, Context context, String tlsRequiredBy, Reuse reuse,
            TlsResults.Session tlsReport) {
        this.reuse = reuse;
        this.tlsReport = tlsReport;
        this.connection = connection;
        this.settings = settings;
        this.message = message;
        this.recipients = List.copyOf(recipients);
        this.mayStartTls = mayStartTls;
        this.serverName = serverName;
        this.tls = tls;
        this.bodyReader = bodyReader;
        this.context = context;
        this.tlsRequiredBy = tlsRequiredBy;
    }

    /** Runs the session; never fails, and closes the connection unless it is kept for another message. */
    Future<Attempt> run() {
        RemoteSettings.Timeouts t = settings.timeouts();
        Future<Attempt> session = reuse != null && reuse.idle() != null ? again()
                : connection.reply(t.greeting()).compose(greeting -> greeting.isPositive() ? hello() : tryNext(greeting))
                        .recover(this::lost);
        return session.andThen(done -> {
            if (!kept) {
                connection.close();
            }
        }).compose(result -> closeBody().transform((v, failure) -> Future.succeededFuture(result)));
    }

    /**
     * The next message on a kept session: RSET (RFC 5321 §4.1.1.5) clears whatever the last one left
     * and shows the server still there; then the transaction with the capabilities it announced.
     */
    private Future<Attempt> again() {
        capabilities = reuse.idle().capabilities();
        messages = reuse.idle().messages() + 1;
        phase = Phase.EHLO;
        return connection.send("RSET").compose(v -> connection.reply(settings.timeouts().command()))
                .transform((reply, failure) -> {
                    if (failure != null || !reply.isPositive()) {
                        return Future.succeededFuture(new Attempt.Stale(failure != null ? String.valueOf(failure.getMessage())
                                : reply.oneLine()));
                    }
                    return transaction().recover(this::lost);
                });
    }

    /**
     * The transaction is over: the session is kept for another message when the cache takes it (its
     * limit of messages not reached), else ended with QUIT.
     */
    private Future<Attempt> done(Attempt result) {
        if (reuse == null || !connection.isOpen() || !reuse.cache().keeps(messages)) {
            return quit(result);
        }
        kept = true;
        reuse.cache().keep(reuse.key(), connection, capabilities, messages, () -> {
            connection.send("QUIT").compose(v -> connection.reply(settings.timeouts().command()))
                    .onComplete(ended -> connection.close());
        });
        return Future.succeededFuture(result);
    }

    /** EHLO, with STARTTLS and the second EHLO after it. */
    private Future<Attempt> hello() {
        phase = Phase.EHLO;
        return ehlo().compose(ok -> {
            if (!ok.isPositive()) {
                return tryNext(ok);
            }
            boolean offered = capabilities.has("STARTTLS");
            if (!offered && mayStartTls && settings.tls() != TlsPolicy.NONE) {
                tlsReport.failed(TlsResultType.STARTTLS_NOT_SUPPORTED, connection.remoteMta() + " does not offer STARTTLS");
            }
            if (settings.tls() == TlsPolicy.REQUIRED && (!offered || !mayStartTls)) {
                return quit(new Attempt.TryNext("451 4.7.4 " + tlsRequiredBy + "TLS is required, but "
                        + connection.remoteMta() + " does not offer STARTTLS", connection.remoteMta()));
            }
            if (!offered || !mayStartTls || settings.tls() == TlsPolicy.NONE) {
                return transaction();
            }
            return startTls();
        });
    }

    /** EHLO, else HELO when EHLO is refused permanently (RFC 5321 §3.2); the reply that counts. */
    private Future<RemoteReply> ehlo() {
        Duration timeout = settings.timeouts().command();
        return connection.send("EHLO " + settings.heloName()).compose(v -> connection.reply(timeout))
                .compose(reply -> {
                    if (reply.isPositive()) {
                        capabilities = EhloCapabilities.parse(reply);
                        return Future.succeededFuture(reply);
                    }
                    if (!reply.isPermanent()) {
                        return Future.succeededFuture(reply);
                    }
                    capabilities = EhloCapabilities.NONE;
                    return connection.send("HELO " + settings.heloName()).compose(v -> connection.reply(timeout));
                });
    }

    private Future<Attempt> startTls() {
        phase = Phase.STARTTLS;
        return connection.send("STARTTLS").compose(v -> connection.reply(settings.timeouts().command()))
                .compose(reply -> {
                    if (reply.code() != 220) {
                        tlsReport.failed(TlsResultType.STARTTLS_NOT_SUPPORTED, "STARTTLS refused: " + reply.oneLine());
                        // Opportunistic: a server that refuses STARTTLS still gets the message in plaintext.
                        return settings.tls() == TlsPolicy.REQUIRED
                                ? quit(new Attempt.TryNext(tlsRequiredBy.isEmpty() ? reply.oneLine()
                                        : "451 4.7.4 " + tlsRequiredBy + "STARTTLS refused: " + reply.oneLine(),
                                        connection.remoteMta()))
                                : transaction();
                    }
                    return connection.startTls(tls, serverName, settings.port(), settings.timeouts().command()).transform((negotiated, failure) -> {
                        if (failure != null) {
                            tlsReport.failed(failure);
                            return Future.succeededFuture(
                                    new Attempt.TlsFailed(String.valueOf(failure.getMessage()), connection.remoteMta()));
                        }
                        // MTA-STS testing mode: what the certificate would have failed with.
                        if (negotiated.getValue(ReportingTrustManager.FAILURE) instanceof Throwable wouldFail) {
                            tlsReport.failed(wouldFail);
                        } else {
                            tlsReport.succeeded();
                        }
                        phase = Phase.EHLO;
                        // RFC 3207 §4.2: forget what the server said before TLS; ask again.
                        return ehlo().compose(again -> again.isPositive() ? transaction() : tryNext(again));
                    });
                });
    }

    /**
     * From MAIL on: an 8-bit message converted for a server without 8BITMIME, the server's extensions
     * against what the message needs, then the envelope.
     */
    private Future<Attempt> transaction() {
        if (message.body() == Envelope.BodyType.EIGHT_BIT_MIME && !capabilities.has("8BITMIME")
                && (!message.smtpUtf8() || capabilities.has("SMTPUTF8"))) {
            // Read on the body pool; a body that cannot be read defers as it would while sending.
            phase = Phase.MAIL;
            return sevenBit().compose(problem -> problem == null ? transaction() : refuseAll(problem));
        }
        String refusal = refusal();
        if (refusal != null) {
            return refuseAll(refusal);
        }
        phase = Phase.MAIL;
        String mail = mailCommand();
        List<String> rcpts = recipients.stream().map(this::rcptCommand).toList();
        Duration timeout = settings.timeouts().command();
        if (capabilities.has("PIPELINING")) {
            List<String> group = new ArrayList<>();
            group.add(mail);
            group.addAll(rcpts);
            return connection.sendAll(group).compose(v -> connection.reply(timeout)).compose(mailReply -> {
                if (!mailReply.isPositive()) {
                    return refuseAll(mailReply);
                }
                phase = Phase.RCPT;
                return rcptReplies(0, null).compose(v -> body());
            });
        }
        return connection.send(mail).compose(v -> connection.reply(timeout)).compose(mailReply -> {
            if (!mailReply.isPositive()) {
                return refuseAll(mailReply);
            }
            phase = Phase.RCPT;
            return rcptReplies(0, rcpts).compose(v -> body());
        });
    }

    /** Why this server cannot take this message as it is, or null. */
    private String refusal() {
        String host = connection.remoteMta();
        if (message.smtpUtf8() && !capabilities.has("SMTPUTF8")) {
            // RFC 6531 §3.2: no downgrade exists for UTF-8 addresses.
            return "553 5.6.7 the message needs SMTPUTF8 (UTF-8 addresses), which " + host + " does not support";
        }
        if (message.body() == Envelope.BodyType.BINARY_MIME
                && !(capabilities.has("BINARYMIME") && capabilities.has("CHUNKING"))) {
            return "554 5.6.3 the message has binary content and " + host + " does not support BINARYMIME";
        }
        if (message.requireTls() && !capabilities.has("REQUIRETLS")) {
            // RFC 8689 §4.2.1: the message goes on only to a server that will carry the requirement on.
            return "550 5.7.30 REQUIRETLS support required, but " + host + " does not offer REQUIRETLS";
        }
        if (capabilities.sizeLimit() > 0 && message.size() > capabilities.sizeLimit()) {
            // RFC 1870 §6.1: a fixed limit the message exceeds is a permanent failure.
            return "552 5.3.4 the message of " + message.size() + " octets exceeds the limit of "
                    + capabilities.sizeLimit() + " octets of " + host;
        }
        return null;
    }

    /**
     * RFC 6152 §3: 8-bit content goes only to a server that announces 8BITMIME, so for one that does
     * not the message is converted ({@link SevenBitDowngrade}) and sent as 7BIT; null when it was, else
     * why it could not be.
     */
    private Future<String> sevenBit() {
        String host = connection.remoteMta();
        return open().compose(in -> bodyReader.executeBlocking(() -> {
            try {
                byte[] converted = SevenBitDowngrade.convert(in);
                message = new OutboundMessage(message.sender(), converted.length, Envelope.BodyType.SEVEN_BIT,
                        message.smtpUtf8(), () -> CompletableFuture.completedFuture(
                                new ByteArrayInputStream(converted)), message.tls(), message.dsn());
                return (String) null;
            } catch (SevenBitDowngrade.Impossible e) {
                return "554 5.6.3 the message has 8-bit content, " + host + " does not support 8BITMIME, and it "
                        + "cannot be converted to 7-bit: " + e.getMessage();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, false).recover(e -> Future.failedFuture(BodyUnreadable.of(e)))).andThen(done -> closeBody());
    }

    private String mailCommand() {
        StringBuilder mail = new StringBuilder("MAIL FROM:<")
                .append(message.sender() == null ? "" : message.sender().toString()).append('>');
        if (capabilities.has("SIZE")) {
            mail.append(" SIZE=").append(message.size());
        }
        if (message.body() == Envelope.BodyType.EIGHT_BIT_MIME) {
            mail.append(" BODY=8BITMIME");
        } else if (message.body() == Envelope.BodyType.BINARY_MIME) {
            mail.append(" BODY=BINARYMIME");
        }
        if (message.smtpUtf8()) {
            mail.append(" SMTPUTF8");
        }
        if (message.requireTls()) {
            mail.append(" REQUIRETLS");
        }
        if (passesDsn()) {
            // RFC 3461 §4.3, §4.4
            if (message.dsn().dsnReturn() != null) {
                mail.append(" RET=").append(message.dsn().dsnReturn() == Envelope.DsnReturn.FULL ? "FULL" : "HDRS");
            }
            if (message.dsn().envId() != null) {
                mail.append(" ENVID=").append(Xtext.encode(message.dsn().envId()));
            }
        }
        return mail.toString();
    }

    /**
     * RFC 3461 §6.2.1: to a server that offers DSN the parameters go on with the message, and that
     * server (or the one after it) sends the notices the sender asked for.
     */
    private boolean passesDsn() {
        return message.dsn() != null && capabilities.has("DSN");
    }

    private String rcptCommand(MailAddress recipient) {
        StringBuilder rcpt = new StringBuilder("RCPT TO:<").append(recipient).append('>');
        if (!passesDsn()) {
            return rcpt.toString();
        }
        for (Envelope.Recipient given : message.dsn().recipients()) {
            if (!given.address().equals(recipient)) {
                continue;
            }
            if (!given.notifyOn().isEmpty()) {
                // RFC 3461 §4.1: NEVER alone, else the others in a fixed order
                rcpt.append(" NOTIFY=").append(given.notifyOn().contains(Envelope.DsnNotify.NEVER) ? "NEVER"
                        : String.join(",", given.notifyOn().stream().sorted().map(Enum::name).toList()));
            }
            if (given.originalRecipient() != null) {
                rcpt.append(" ORCPT=").append(Xtext.orcpt(given.originalRecipient()));
            }
            break;
        }
        return rcpt.toString();
    }

    private Future<Attempt> refuseAll(String refusal) {
        for (MailAddress recipient : recipients) {
            decide(recipient, DeliveryStatus.FAILED, refusal, null);
        }
        return done(finished());
    }

    private Future<Attempt> refuseAll(RemoteReply mailReply) {
        for (MailAddress recipient : recipients) {
            decide(recipient, statusOf(mailReply), mailReply.oneLine(), "MAIL FROM");
        }
        return done(finished());
    }

    /**
     * The RCPT replies from index {@code i} on; {@code commands} null when they were pipelined
     * already, else each is sent before its reply is read.
     */
    private Future<Void> rcptReplies(int i, List<String> commands) {
        if (i == recipients.size()) {
            return Future.succeededFuture();
        }
        Future<Void> sent = commands == null ? Future.succeededFuture() : connection.send(commands.get(i));
        return sent.compose(v -> connection.reply(settings.timeouts().command())).compose(reply -> {
            MailAddress recipient = recipients.get(i);
            if (reply.isPositive()) {
                accepted.add(recipient);
            } else {
                decide(recipient, statusOf(reply), reply.oneLine(), "RCPT TO");
            }
            return rcptReplies(i + 1, commands);
        });
    }

    private Future<Attempt> body() {
        if (accepted.isEmpty()) {
            return done(finished());
        }
        phase = Phase.DATA;
        Future<RemoteReply> end = capabilities.has("CHUNKING") ? open().compose(this::bdat) : data();
        return end.compose(reply -> {
            for (MailAddress recipient : accepted) {
                decide(recipient, statusOf(reply), reply.oneLine(), phase == Phase.END_OF_DATA ? "end of data"
                        : phase == Phase.DATA ? "DATA" : "BDAT");
            }
            return done(finished());
        });
    }

    /** DATA, the body dot-stuffed, the end mark; the reply that decides the accepted recipients. */
    private Future<RemoteReply> data() {
        RemoteSettings.Timeouts t = settings.timeouts();
        return connection.send("DATA").compose(v -> connection.reply(t.dataInit())).compose(go -> {
            if (!go.isIntermediate()) {
                return Future.succeededFuture(go.isPositive()
                        ? RemoteReply.of(451, "4.5.0 " + connection.remoteMta() + " answered DATA with " + go.oneLine())
                        : go);
            }
            phase = Phase.BODY;
            return open().compose(in -> stuffed(in, new DotStuffer())).compose(v -> {
                phase = Phase.END_OF_DATA;
                return connection.reply(t.dataTermination());
            });
        });
    }

    private Future<Void> stuffed(InputStream in, DotStuffer stuffer) {
        Duration block = settings.timeouts().dataBlock();
        return read(in).compose(chunk -> {
            if (chunk.length == 0) {
                return connection.write(Buffer.buffer(stuffer.finish()), block);
            }
            if (undeclaredEightBit(chunk)) {
                return Future.failedFuture(new UndeclaredEightBit());
            }
            Future<Void> written = connection.write(Buffer.buffer(stuffer.stuff(chunk)), block);
            return chunk.length < CHUNK
                    ? written.compose(v -> connection.write(Buffer.buffer(stuffer.finish()), block))
                    : written.compose(v -> stuffed(in, stuffer));
        });
    }

    /** RFC 3030 §2: BDAT chunks, the last one marked LAST; a refused chunk ends the transaction. */
    private Future<RemoteReply> bdat(InputStream in) {
        phase = Phase.BODY;
        return read(in).compose(first -> bdatFrom(in, first));
    }

    private Future<RemoteReply> bdatFrom(InputStream in, byte[] current) {
        if (current.length < CHUNK) {
            return chunk(current, true);
        }
        return read(in).compose(next -> next.length == 0
                ? chunk(current, true)
                : chunk(current, false).compose(reply -> reply.isPositive() ? bdatFrom(in, next)
                        : Future.succeededFuture(reply)));
    }

    private Future<RemoteReply> chunk(byte[] octets, boolean last) {
        if (undeclaredEightBit(octets)) {
            return Future.failedFuture(new UndeclaredEightBit());
        }
        RemoteSettings.Timeouts t = settings.timeouts();
        Buffer buffer = Buffer.buffer("BDAT " + octets.length + (last ? " LAST" : "") + "\r\n",
                StandardCharsets.US_ASCII.name()).appendBytes(octets);
        if (last) {
            phase = Phase.END_OF_DATA;
        }
        return connection.write(buffer, t.dataBlock())
                .compose(v -> connection.reply(last ? t.dataTermination() : t.dataBlock()));
    }

    private Future<InputStream> open() {
        Future<InputStream> opened;
        try {
            opened = Future.fromCompletionStage(message.content().get(), context);
        } catch (RuntimeException e) {
            opened = Future.failedFuture(e);
        }
        return opened.andThen(done -> body = done.result()).recover(e -> Future.failedFuture(BodyUnreadable.of(e)));
    }

    private Future<byte[]> read(InputStream in) {
        return bodyReader.executeBlocking(() -> {
            try {
                return in.readNBytes(CHUNK);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, true).recover(e -> Future.failedFuture(BodyUnreadable.of(e)));
    }

    /**
     * RFC 6152 §3: 8-bit octets go only to a server that announced 8BITMIME. A message accepted
     * without BODY=8BITMIME may still carry them; found while sending, the session ends before the
     * end-of-data mark, so the server discards what it got.
     */
    private boolean undeclaredEightBit(byte[] octets) {
        if (message.body() != Envelope.BodyType.SEVEN_BIT || capabilities.has("8BITMIME")) {
            return false;
        }
        for (byte b : octets) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    private static final class UndeclaredEightBit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UndeclaredEightBit() {
            super("8-bit content in a message not declared 8BITMIME", null, false, false);
        }
    }

    /** The body could not be read here: not the server's doing, and never followed by an end-of-data mark. */
    private static final class BodyUnreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private BodyUnreadable(Throwable cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        }

        static BodyUnreadable of(Throwable failure) {
            return new BodyUnreadable(failure instanceof UncheckedIOException unchecked ? unchecked.getCause() : failure);
        }
    }

    /** Closes the body, if it was opened, on the worker: a blob stream may block. */
    private Future<Void> closeBody() {
        InputStream in = body;
        if (in == null) {
            return Future.succeededFuture();
        }
        body = null;
        return bodyReader.executeBlocking(() -> {
            in.close();
            return null;
        }, true);
    }

    /** QUIT, then the attempt's result whatever the server says (RFC 5321 §4.1.1.10). */
    private Future<Attempt> quit(Attempt result) {
        phase = Phase.QUIT;
        return connection.send("QUIT").compose(v -> connection.reply(settings.timeouts().command()))
                .transform((reply, failure) -> Future.succeededFuture(result));
    }

    /** The one place a lost connection, a timeout or a protocol error becomes a result. */
    private Future<Attempt> lost(Throwable failure) {
        String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        String remote = connection.remoteMta();
        if (phase.compareTo(Phase.MAIL) < 0) {
            return Future.succeededFuture(new Attempt.TryNext(
                    "451 4.4.2 lost connection with " + remote + " during " + phase + ": " + why, remote));
        }
        // A body that cannot be read ends the session before its end-of-data mark (or BDAT LAST): the
        // connection is closed and the server discards what it got.
        boolean ours = failure instanceof BodyUnreadable;
        boolean eightBit = failure instanceof UndeclaredEightBit;
        String reply = ours ? "451 4.3.0 could not read the message to send it: " + why
                : eightBit ? "554 5.6.3 the message has 8-bit content, " + remote
                        + " does not support 8BITMIME, and conversion to 7-bit is not done"
                : "451 4.4.2 lost connection with " + remote + " while sending " + phase + ": " + why;
        for (MailAddress recipient : recipients) {
            if (!decided.containsKey(recipient)) {
                decided.put(recipient, new RecipientResult(recipient,
                        eightBit ? DeliveryStatus.FAILED : DeliveryStatus.DEFERRED, reply, ours ? null : remote, null));
            }
        }
        return Future.succeededFuture(finished());
    }

    private Future<Attempt> tryNext(RemoteReply reply) {
        return quit(new Attempt.TryNext(reply.oneLine(), connection.remoteMta()));
    }

    private void decide(MailAddress recipient, DeliveryStatus status, String reply, String detail) {
        decided.put(recipient, new RecipientResult(recipient, status, reply, connection.remoteMta(), detail,
                status == DeliveryStatus.DELIVERED && passesDsn()));
    }

    private Attempt.Finished finished() {
        return new Attempt.Finished(recipients.stream().map(decided::get).toList());
    }

    private static DeliveryStatus statusOf(RemoteReply reply) {
        return reply.isPositive() ? DeliveryStatus.DELIVERED
                : reply.isPermanent() ? DeliveryStatus.FAILED : DeliveryStatus.DEFERRED;
    }
}
