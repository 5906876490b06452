package io.yubin.smtp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.mailauth.spf.SpfChecks;
import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.protocol.SaslPlain;
import io.yubin.store.Accounts;
import io.yubin.store.AddressPolicy;
import io.yubin.store.Quotas;
import io.yubin.store.Storage;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session's protocol state machine (RFC 5321 §4.1.4 command ordering), without sockets:
 * it takes lines and body events from {@link SmtpConnection} and answers with a {@link Step}.
 */
final class SmtpSession {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    enum State {
        /** Connected, no EHLO/HELO yet (also right after STARTTLS, RFC 3207 §4.2). */
        CONNECTED,
        /** Greeted, no transaction. */
        READY,
        /** MAIL accepted. */
        MAIL,
        /** At least one RCPT accepted. */
        RCPT,
        /** Some BDAT chunks received, not the last one. */
        BDAT,
        /** AUTH PLAIN waiting for the response. */
        AUTH_PLAIN,
        /** AUTH LOGIN waiting for the user name. */
        AUTH_LOGIN_USER,
        /** AUTH LOGIN waiting for the password. */
        AUTH_LOGIN_PASSWORD
    }

    /** What the connection does next. */
    sealed interface Step {
    }

    /** Write the reply; close afterwards when {@code close}. */
    record Reply(SmtpReply reply, boolean close) implements Step {
        Reply(SmtpReply reply) {
            this(reply, false);
        }
    }

    /** Write the reply, discard buffered input, start the TLS handshake. */
    record StartTls(SmtpReply reply) implements Step {
    }

    /** Write the 354 reply and read a dot-terminated body into {@code body}. */
    record ReadData(SmtpReply reply, MessageBody body) implements Step {
    }

    /** Read {@code size} octets into {@code body} (null: discard them), then call {@link #chunkEnd}. */
    record ReadChunk(long size, boolean last, MessageBody body) implements Step {
    }

    /** Why a body is refused, found while reading it. */
    enum BodyProblem { NONE, BARE_LINE_ENDING, LINE_TOO_LONG, TOO_BIG }

    /** Everything the session needs from its server. */
    record Settings(String hostname, SmtpServer.Mode mode, boolean tlsAvailable, SmtpLimits limits, Storage storage,
            Accounts accounts, MessageAcceptor acceptor, SendingLimits sendingLimits) {
    }

    /** Failed AUTH attempts after which one connection is closed. */
    static final int MAX_AUTH_FAILURES_PER_CONNECTION = 3;

    private final Settings settings;
    private final Vertx vertx;
    private final Context context;
    private final String id;
    private final String clientAddress;

    private State state = State.CONNECTED;
    private boolean tls;
    private String tlsProtocol;
    private String tlsCipher;
    private String heloName;
    private boolean esmtp;
    private MailAddress user;
    private String pendingLogin;
    private int authFailures;

    // The current transaction.
    private SmtpCommand.Mail mail;
    /** The SPF check of the transaction, started at MAIL FROM on the MX when mail authentication is on. */
    private CompletionStage<SpfChecks> spf;
    private final List<Envelope.Recipient> recipients = new ArrayList<>();
    private MessageBody body;
    private SmtpReply chunkError;

    SmtpSession(Settings settings, Vertx vertx, Context context, String id, String clientAddress, boolean tls,
            String tlsProtocol, String tlsCipher) {
        this.settings = settings;
        this.vertx = vertx;
        this.context = context;
        this.id = id;
        this.clientAddress = clientAddress;
        this.tls = tls;
        this.tlsProtocol = tlsProtocol;
        this.tlsCipher = tlsCipher;
    }

    String id() {
        return id;
    }

    State state() {
        return state;
    }

    SmtpReply greeting() {
        return new SmtpReply(220, null, settings.hostname() + " ESMTP Yubin");
    }

    void tlsStarted(String protocol, String cipher) {
        tls = true;
        tlsProtocol = protocol;
        tlsCipher = cipher;
        // RFC 3207 §4.2: forget everything learnt before the handshake.
        resetTransaction();
        state = State.CONNECTED;
        heloName = null;
        esmtp = false;
    }

    /** Releases what the session holds (a temporary body file). */
    void close() {
        resetTransaction();
    }

    Future<Step> onLine(LineFramer.Line line) {
        if (line.problem() != LineFramer.Problem.NONE) {
            if (isAuthState()) {
                state = State.READY;
            }
            return reply(switch (line.problem()) {
                case BARE_CR -> SmtpReplies.BARE_CR;
                case BARE_LF -> SmtpReplies.BARE_LF;
                default -> SmtpReplies.LINE_TOO_LONG;
            });
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.bytes())).toString();
        } catch (CharacterCodingException e) {
            return reply(SmtpReplies.BAD_UTF8);
        }
        if (isAuthState()) {
            return authResponse(text);
        }
        try {
            return command(SmtpCommandParser.parse(text)).recover(t -> reply(SmtpReplies.forFailure(id, t)));
        } catch (RuntimeException e) {
            return Future.succeededFuture(new Reply(SmtpReplies.forFailure(id, e)));
        }
    }

    /** Neither a mail transaction nor an AUTH exchange is under way: a shutdown may end the session. */
    boolean atRest() {
        return state == State.CONNECTED || state == State.READY;
    }

    private boolean isAuthState() {
        return state == State.AUTH_PLAIN || state == State.AUTH_LOGIN_USER || state == State.AUTH_LOGIN_PASSWORD;
    }

    private Future<Step> command(SmtpCommand command) {
        if (command instanceof SmtpCommand.Invalid c) {
            return reply(c.reply());
        } else if (command instanceof SmtpCommand.Ehlo c) {
            return greet(c.domain(), true);
        } else if (command instanceof SmtpCommand.Helo c) {
            return greet(c.domain(), false);
        } else if (command instanceof SmtpCommand.Mail c) {
            return mail(c);
        } else if (command instanceof SmtpCommand.Rcpt c) {
            return rcpt(c);
        } else if (command instanceof SmtpCommand.Data) {
            return data();
        } else if (command instanceof SmtpCommand.Bdat c) {
            return bdat(c);
        } else if (command instanceof SmtpCommand.Rset) {
            resetTransaction();
            if (state != State.CONNECTED) {
                state = State.READY;
            }
            return reply(SmtpReplies.OK);
        } else if (command instanceof SmtpCommand.Noop) {
            return reply(SmtpReplies.OK);
        } else if (command instanceof SmtpCommand.Quit) {
            return Future.succeededFuture(new Reply(SmtpReplies.BYE, true));
        } else if (command instanceof SmtpCommand.Vrfy) {
            return reply(SmtpReplies.VRFY);
        } else if (command instanceof SmtpCommand.Help) {
            return reply(SmtpReplies.HELP);
        } else if (command instanceof SmtpCommand.StartTls) {
            return startTls();
        } else if (command instanceof SmtpCommand.Auth c) {
            return auth(c);
        }
        throw new IllegalStateException("unhandled command " + command);
    }

    private Future<Step> greet(String domain, boolean extended) {
        resetTransaction();
        heloName = domain;
        esmtp = extended;
        state = State.READY;
        if (!extended) {
            return reply(new SmtpReply(250, null, settings.hostname()));
        }
        List<String> lines = new ArrayList<>();
        lines.add(settings.hostname() + " Hello " + domain);
        lines.add("PIPELINING");
        lines.add("SIZE " + settings.limits().maxMessageSize());
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        if (!tls && settings.tlsAvailable()) {
            lines.add("STARTTLS");
        }
        if (tls) {
            // RFC 8689 §2: offered in TLS sessions only.
            lines.add("REQUIRETLS");
        }
        if (tls && settings.mode() != SmtpServer.Mode.MX && user == null) {
            lines.add("AUTH PLAIN LOGIN");
        }
        lines.add("CHUNKING");
        lines.add("BINARYMIME");
        lines.add("DSN");
        return reply(new SmtpReply(250, null, String.join("\n", lines)));
    }

    private Future<Step> mail(SmtpCommand.Mail c) {
        if (state == State.CONNECTED) {
            return reply(SmtpReplies.NEED_EHLO);
        }
        if (state != State.READY) {
            return reply(SmtpReplies.NESTED_MAIL);
        }
        if (settings.mode() != SmtpServer.Mode.MX && user == null) {
            return reply(SmtpReplies.AUTH_REQUIRED);
        }
        if (c.size() > settings.limits().maxMessageSize()) {
            return reply(SmtpReplies.TOO_BIG);
        }
        if (c.sender() != null && c.sender().isUtf8() && !c.smtpUtf8()) {
            return reply(SmtpReplies.UTF8_NOT_REQUESTED);
        }
        if (c.requireTls() && !tls) {
            return reply(SmtpReplies.REQUIRETLS_WITHOUT_TLS);
        }
        if (user == null) {
            return acceptSender(c);
        }
        if (c.sender() == null) {
            return reply(SmtpReplies.SENDER_NOT_OWNED);
        }
        if (c.sender().equals(user)) {
            return acceptSender(c);
        }
        // An alias the user may send as: one that resolves to this user.
        return store(settings.accounts().resolver().resolve(c.sender()))
                .compose(resolution -> resolution.localUsers().contains(user) ? acceptSender(c)
                        : reply(SmtpReplies.SENDER_NOT_OWNED));
    }

    private Future<Step> acceptSender(SmtpCommand.Mail c) {
        if (user != null) {
            SendingLimits.Refusal refusal = settings.sendingLimits().checkMessage(user);
            if (refusal != null) {
                return refuse(refusal);
            }
        }
        mail = c;
        InboundAuthenticator authenticator = settings.acceptor().authenticator();
        if (authenticator != null && settings.mode() == SmtpServer.Mode.MX) {
            // Asynchronous DNS: it runs while the client sends RCPT and DATA, and DATA's end waits for it.
            spf = authenticator.spf(ipLiteral(clientAddress), heloName,
                    c.sender() == null ? null : c.sender().toString());
        }
        state = State.MAIL;
        return reply(SmtpReplies.SENDER_OK);
    }

    private Future<Step> rcpt(SmtpCommand.Rcpt c) {
        if (state != State.MAIL && state != State.RCPT) {
            return reply(state == State.CONNECTED ? SmtpReplies.NEED_EHLO : SmtpReplies.NEED_MAIL);
        }
        if (recipients.size() >= settings.limits().maxRecipients()) {
            return reply(SmtpReplies.TOO_MANY_RECIPIENTS);
        }
        if (c.recipient() == null) {
            return postmasterOfThisServer().compose(postmaster -> postmaster == null ? reply(SmtpReplies.NO_POSTMASTER)
                    : rcpt(new SmtpCommand.Rcpt(postmaster, c.notifyOn(), c.orcpt())));
        }
        if (c.recipient().isUtf8() && !mail.smtpUtf8()) {
            return reply(SmtpReplies.UTF8_NOT_REQUESTED);
        }
        if (user != null) {
            SendingLimits.Refusal refusal = settings.sendingLimits().checkRecipient(user, recipients.size());
            if (refusal != null) {
                return refuse(refusal);
            }
        }
        return store(settings.storage().directory().isLocalDomain(c.recipient().domain())).compose(local -> {
            if (!local) {
                return user != null ? acceptRecipient(c) : reply(SmtpReplies.RELAY_DENIED);
            }
            return store(settings.accounts().resolver().resolve(c.recipient())).compose(resolution ->
                    resolution.isUnknown() ? reply(unknownRecipient(c.recipient()))
                            : quotaCheck(resolution.localUsers()).compose(full -> full == null ? acceptRecipient(c)
                                    : reply(full)));
        });
    }

    /**
     * Whom {@code RCPT TO:<Postmaster>} names (RFC 5321 §4.1.1.3: this server's postmaster, which
     * §4.5.1 says must be accepted): postmaster at the server's host name, or at the nearest of its
     * parent domains, that is a local domain; else postmaster at the first local domain by name (a
     * host named outside them still serves those); null when there is no local domain.
     */
    private Future<MailAddress> postmasterOfThisServer() {
        Future<Domain> found = Future.succeededFuture(null);
        for (String name = settings.hostname(); name.indexOf('.') > 0; name = name.substring(name.indexOf('.') + 1)) {
            Domain candidate;
            try {
                candidate = Domain.parse(name);
            } catch (IllegalArgumentException notADomain) {
                continue;
            }
            found = found.compose(d -> d != null ? Future.succeededFuture(d)
                    : store(settings.storage().directory().isLocalDomain(candidate)).map(local -> local ? candidate : null));
        }
        return found.compose(d -> d != null ? Future.succeededFuture(d)
                : store(settings.storage().directory().listDomains())
                        .map(domains -> domains.stream().min(Comparator.comparing(Domain::ascii)).orElse(null)))
                .map(d -> d == null ? null : new MailAddress("postmaster", d));
    }

    /**
     * The refusal when a user the recipient stands for, or that user's domain, cannot take one more
     * message of the declared SIZE (RFC 1870; 0 without it): {@code 552 5.2.2} when the size alone is
     * more than a storage quota, else {@code 452 4.2.2} (RFC 3463 X.2.2); null when all of them can.
     */
    private Future<SmtpReply> quotaCheck(Set<MailAddress> users) {
        long size = mail == null ? 0 : Math.max(0, mail.size());
        Future<SmtpReply> verdict = Future.succeededFuture(null);
        for (MailAddress user : users) {
            verdict = verdict.compose(found -> found != null ? Future.succeededFuture(found)
                    : store(settings.accounts().quotas().of(user)).map(roots -> roots.stream()
                            .filter(u -> !u.fits(size)).findFirst().map(u -> overQuota(u, size)).orElse(null)));
        }
        return verdict;
    }

    private static SmtpReply overQuota(Quotas.Usage root, long size) {
        boolean domain = root.domain() != null;
        if (root.neverFits(size)) {
            return domain ? SmtpReplies.DOMAIN_OVER_QUOTA_FOR_GOOD : SmtpReplies.OVER_QUOTA_FOR_GOOD;
        }
        return domain ? SmtpReplies.DOMAIN_FULL : SmtpReplies.MAILBOX_FULL;
    }

    /**
     * An unknown local recipient whose local part (before a plus-addressing tag) the domain's address
     * format could never have: RFC 3463 X.1.3, bad destination mailbox address syntax; any other:
     * X.1.1, no such mailbox.
     */
    private SmtpReply unknownRecipient(MailAddress recipient) {
        AddressPolicy policy = settings.accounts().addressPolicies().of(recipient.domain());
        String localPart = policy.base(recipient.localPart()).orElse(recipient.localPart());
        return policy.formatProblem(localPart).map(SmtpReplies::badRecipientSyntax).orElse(SmtpReplies.UNKNOWN_USER);
    }

    private Future<Step> acceptRecipient(SmtpCommand.Rcpt c) {
        if (state != State.MAIL && state != State.RCPT) {
            return reply(SmtpReplies.NEED_MAIL);
        }
        recipients.add(new Envelope.Recipient(c.recipient(), c.notifyOn(), c.orcpt()));
        state = State.RCPT;
        return reply(SmtpReplies.RECIPIENT_OK);
    }

    private Future<Step> data() {
        if (state != State.RCPT) {
            return reply(state == State.MAIL ? SmtpReplies.NEED_RCPT
                    : state == State.CONNECTED ? SmtpReplies.NEED_EHLO
                    : state == State.BDAT ? SmtpReplies.BAD_SEQUENCE : SmtpReplies.NEED_MAIL);
        }
        // RFC 3030 §3: BINARYMIME bodies travel only with BDAT.
        if (mail.body() == Envelope.BodyType.BINARY_MIME) {
            return reply(SmtpReplies.BINARYMIME_NEEDS_BDAT);
        }
        body = new MessageBody(vertx, settings.limits().memoryThreshold());
        return Future.succeededFuture(new ReadData(SmtpReplies.START_DATA, body));
    }

    /** The end of a DATA body: accept it, or refuse it for what the connection found. */
    Future<Step> dataEnd(BodyProblem problem) {
        return finishMessage(problem);
    }

    private Future<Step> bdat(SmtpCommand.Bdat c) {
        // RFC 3030 §2: the chunk is read whatever the answer; errors are given after it.
        if (state != State.RCPT && state != State.BDAT) {
            chunkError = state == State.MAIL ? SmtpReplies.NEED_RCPT
                    : state == State.CONNECTED ? SmtpReplies.NEED_EHLO : SmtpReplies.NEED_MAIL;
            return Future.succeededFuture(new ReadChunk(c.size(), c.last(), null));
        }
        if (body == null) {
            body = new MessageBody(vertx, settings.limits().memoryThreshold());
        }
        if (body.size() + c.size() > settings.limits().maxMessageSize()) {
            resetTransaction();
            state = State.READY;
            chunkError = SmtpReplies.TOO_BIG;
            return Future.succeededFuture(new ReadChunk(c.size(), c.last(), null));
        }
        state = c.last() ? State.RCPT : State.BDAT;
        return Future.succeededFuture(new ReadChunk(c.size(), c.last(), body));
    }

    /** The end of one BDAT chunk. */
    Future<Step> chunkEnd(long size, boolean last) {
        if (chunkError != null) {
            SmtpReply error = chunkError;
            chunkError = null;
            return reply(error);
        }
        if (!last) {
            return reply(new SmtpReply(250, "2.0.0", size + " octets received"));
        }
        return finishMessage(BodyProblem.NONE);
    }

    private Future<Step> finishMessage(BodyProblem problem) {
        MessageBody received = body;
        SmtpCommand.Mail sender = mail;
        CompletionStage<SpfChecks> spfCheck = spf;
        List<Envelope.Recipient> to = List.copyOf(recipients);
        body = null;
        resetTransaction();
        state = State.READY;
        if (problem != BodyProblem.NONE) {
            received.discard();
            return reply(switch (problem) {
                case BARE_LINE_ENDING -> SmtpReplies.BARE_LINE_ENDING_IN_DATA;
                case LINE_TOO_LONG -> SmtpReplies.LONG_LINE_IN_DATA;
                default -> SmtpReplies.TOO_BIG;
            });
        }
        Envelope envelope = new Envelope(sender.sender(), to, sender.body(), sender.smtpUtf8(), sender.ret(),
                sender.envId(), sender.requireTls() ? Envelope.TlsRequirement.REQUIRETLS : Envelope.TlsRequirement.POLICY);
        MessageAcceptor.Trace trace = new MessageAcceptor.Trace(id, heloName, clientAddress, esmtp,
                tls ? tlsProtocol : null, tls ? tlsCipher : null, user == null ? null : user.toString(),
                settings.mode() != SmtpServer.Mode.MX);
        MailAddress sentBy = user;
        long size = received.size();
        return settings.acceptor().accept(context, envelope, received, trace, spfCheck)
                .map(spoolId -> {
                    if (sentBy != null) {
                        settings.sendingLimits().accepted(sentBy, to.size());
                    }
                    SmtpReply queued = SmtpReplies.queued(spoolId.value());
                    TransactionLog.log(settings.mode().name(), trace, envelope, size, trace.findings(), spoolId.value(),
                            queued);
                    return (Step) new Reply(queued);
                })
                .recover(t -> {
                    SmtpReply refused = SmtpReplies.forFailure(id, t);
                    TransactionLog.log(settings.mode().name(), trace, envelope, size, trace.findings(), null, refused);
                    return reply(refused);
                });
    }

    private Future<Step> startTls() {
        if (tls) {
            return reply(SmtpReplies.TLS_ALREADY);
        }
        if (!settings.tlsAvailable()) {
            return reply(SmtpReplies.TLS_NOT_AVAILABLE);
        }
        resetTransaction();
        return Future.succeededFuture(new StartTls(SmtpReplies.READY_TLS));
    }

    private Future<Step> auth(SmtpCommand.Auth c) {
        if (settings.mode() == SmtpServer.Mode.MX) {
            return reply(SmtpReplies.AUTH_NOT_AVAILABLE);
        }
        if (!tls) {
            return reply(SmtpReplies.ENCRYPTION_REQUIRED);
        }
        if (state == State.CONNECTED) {
            return reply(SmtpReplies.NEED_EHLO);
        }
        if (user != null) {
            return reply(SmtpReplies.AUTH_ALREADY);
        }
        if (state != State.READY) {
            return reply(SmtpReplies.BAD_SEQUENCE);
        }
        switch (c.mechanism()) {
            case "PLAIN" -> {
                if (c.initialResponse() == null) {
                    state = State.AUTH_PLAIN;
                    return reply(new SmtpReply(334, null, ""));
                }
                return plain(c.initialResponse());
            }
            case "LOGIN" -> {
                if (c.initialResponse() == null) {
                    state = State.AUTH_LOGIN_USER;
                    return reply(new SmtpReply(334, null, base64("Username:")));
                }
                state = State.AUTH_LOGIN_USER;
                return authResponse(c.initialResponse());
            }
            default -> {
                return reply(SmtpReplies.AUTH_MECHANISM);
            }
        }
    }

    private Future<Step> authResponse(String text) {
        State current = state;
        state = State.READY;
        // RFC 4954 §4: "*" cancels the exchange.
        if (text.equals("*")) {
            return reply(SmtpReplies.AUTH_CANCELLED);
        }
        switch (current) {
            case AUTH_PLAIN -> {
                return plain(text);
            }
            case AUTH_LOGIN_USER -> {
                byte[] login = decode(text);
                if (login == null) {
                    return reply(SmtpReplies.AUTH_BAD_ENCODING);
                }
                pendingLogin = new String(login, StandardCharsets.UTF_8);
                state = State.AUTH_LOGIN_PASSWORD;
                return reply(new SmtpReply(334, null, base64("Password:")));
            }
            default -> {
                byte[] password = decode(text);
                if (password == null) {
                    return reply(SmtpReplies.AUTH_BAD_ENCODING);
                }
                String login = pendingLogin;
                pendingLogin = null;
                return verify(login, password);
            }
        }
    }

    /** RFC 4616 through the one decoder every protocol shares. */
    private Future<Step> plain(String response) {
        SaslPlain.Outcome outcome = SaslPlain.decode(response);
        if (outcome instanceof SaslPlain.Credentials c) {
            return verify(c.login(), c.password());
        }
        if (outcome instanceof SaslPlain.NotAuthorized) {
            // Acting as another user is not offered: refused without checking the password, and no failed login.
            return reply(SmtpReplies.AUTH_NOT_AUTHORIZED);
        }
        return reply(SmtpReplies.AUTH_BAD_ENCODING);
    }

    /** AUTH LOGIN's password, decoded from its octets; those are wiped. */
    private Future<Step> verify(String login, byte[] passwordBytes) {
        CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(passwordBytes));
        char[] password = Arrays.copyOfRange(decoded.array(), decoded.position(), decoded.limit());
        Arrays.fill(decoded.array(), '\0');
        Arrays.fill(passwordBytes, (byte) 0);
        return verify(login, password);
    }

    /** Checks a login; the password is wiped once it has been checked. */
    private Future<Step> verify(String login, char[] password) {
        return Future.fromCompletionStage(settings.accounts().login(login, password, clientAddress,
                new Accounts.Channel("smtp-" + settings.mode().name().toLowerCase(java.util.Locale.ROOT), tls)), context)
                .transform(ar -> {
                    Arrays.fill(password, '\0');
                    if (ar.failed()) {
                        SmtpReplies.forFailure(id, ar.cause());
                        return reply(SmtpReplies.AUTH_TEMPORARY);
                    }
                    if (ar.result() instanceof Accounts.LoginResult.Success success) {
                        user = success.user();
                        return reply(SmtpReplies.AUTH_OK);
                    }
                    return ar.result() instanceof Accounts.LoginResult.Throttled
                            ? reply(SmtpReplies.AUTH_THROTTLED) : failed();
                });
    }

    private Future<Step> failed() {
        authFailures++;
        if (authFailures >= MAX_AUTH_FAILURES_PER_CONNECTION) {
            return Future.succeededFuture(new Reply(SmtpReplies.AUTH_TOO_MANY, true));
        }
        return reply(SmtpReplies.AUTH_FAILED);
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** The client's address when it is an IP address literal (never a DNS lookup); else null. */
    static java.net.InetAddress ipLiteral(String address) {
        if (address == null || address.isEmpty()
                || !address.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == '.' || ch == ':')) {
            return null;
        }
        try {
            return java.net.InetAddress.getByName(address);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private void resetTransaction() {
        mail = null;
        spf = null;
        recipients.clear();
        if (body != null) {
            body.discard();
            body = null;
        }
        if (state == State.MAIL || state == State.RCPT || state == State.BDAT) {
            state = State.READY;
        }
    }

    private <T> Future<T> store(java.util.concurrent.CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, context);
    }

    /** A sending limit's refusal, with its line in the log (docs/outbound.md, "Sending limits"). */
    private Future<Step> refuse(SendingLimits.Refusal refusal) {
        LOG.warn("[{}] {}: {}", id, refusal.log(), refusal.reply());
        return reply(refusal.reply());
    }

    private static Future<Step> reply(SmtpReply reply) {
        return Future.succeededFuture(new Reply(reply));
    }
}
