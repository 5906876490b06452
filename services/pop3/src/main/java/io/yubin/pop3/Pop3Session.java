package io.yubin.pop3;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.protocol.SaslPlain;
import io.yubin.store.Accounts;
import io.yubin.store.MailboxStore;
import io.yubin.store.MaildropLocks;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POP3 session as the state machine of RFC 1939 §3: AUTHORIZATION, TRANSACTION after a login,
 * UPDATE after QUIT. It answers one line at a time; the connection feeds it lines in order and
 * never two at once. It knows nothing of sockets.
 */
final class Pop3Session {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Session.class);

    enum State { AUTHORIZATION, TRANSACTION, UPDATE }

    /** RFC 2449 §4: a command line is at most 255 octets, CRLF included. */
    static final int MAX_COMMAND_OCTETS = 253;
    /** A SASL response line (RFC 5034 §4) may be longer than a command; this bounds it. */
    static final int MAX_SASL_RESPONSE_OCTETS = 2048;
    /** After this many bad commands in a row the session ends. */
    static final int MAX_BAD_COMMANDS = 10;

    private final String id;
    private final String clientAddress;
    private final String hostname;
    private final boolean allowPlaintextAuth;
    private final boolean stlsAvailable;
    private final Accounts accounts;
    private final MailboxStore mailboxes;
    private final MaildropLocks locks;
    private final Context context;

    private State state = State.AUTHORIZATION;
    private boolean tls;
    private boolean closed;
    /** The USER argument awaiting its PASS. */
    private String user;
    /** Whether the next line is a SASL PLAIN response (RFC 5034 §4). */
    private boolean awaitingSaslResponse;
    private int badCommands;
    private MailAddress owner;
    private AutoCloseable lock;
    private Maildrop maildrop;

    Pop3Session(String id, String clientAddress, String hostname, boolean tls, boolean stlsAvailable,
            boolean allowPlaintextAuth, Accounts accounts, MailboxStore mailboxes, MaildropLocks locks, Context context) {
        this.id = id;
        this.clientAddress = clientAddress;
        this.hostname = hostname;
        this.tls = tls;
        this.stlsAvailable = stlsAvailable;
        this.allowPlaintextAuth = allowPlaintextAuth;
        this.accounts = accounts;
        this.mailboxes = mailboxes;
        this.locks = locks;
        this.context = context;
    }

    /** RFC 1939 §4; no APOP timestamp, since APOP is not offered. */
    String greeting() {
        return Pop3Replies.ok(hostname + " POP3 server ready");
    }

    /** RFC 2595 §4: after the handshake, nothing learned from the client before it counts. */
    void tlsStarted() {
        tls = true;
        user = null;
        awaitingSaslResponse = false;
    }

    /** The connection is gone: the lock goes, nothing is deleted (RFC 1939 §6). */
    void closed() {
        closed = true;
        releaseLock();
    }

    /** The answer to an over-long line, which was dropped. */
    Pop3Response tooLong() {
        awaitingSaslResponse = false;
        return bad(Pop3Replies.err("line too long"));
    }

    /** The answer to one line (without its line end). */
    Future<Pop3Response> handle(byte[] line) {
        if (awaitingSaslResponse) {
            awaitingSaslResponse = false;
            if (line.length > MAX_SASL_RESPONSE_OCTETS) {
                return Future.succeededFuture(tooLong());
            }
            String response = new String(line, StandardCharsets.US_ASCII);
            if (response.equals("*")) {
                return text(Pop3Replies.err("authentication cancelled"));
            }
            return plain(response);
        }
        if (line.length > MAX_COMMAND_OCTETS) {
            return Future.succeededFuture(tooLong());
        }
        Pop3Command command = Pop3CommandParser.parse(new String(line, StandardCharsets.UTF_8));
        LOG.debug("[pop3 {}] C: {}", id, command);
        try {
            return dispatch(command).map(this::counted);
        } catch (RuntimeException e) {
            return Future.succeededFuture(failed(e));
        }
    }

    private Future<Pop3Response> dispatch(Pop3Command command) {
        if (command instanceof Pop3Command.Invalid invalid) {
            return Future.succeededFuture(bad(Pop3Replies.err(invalid.reason())));
        }
        if (command instanceof Pop3Command.Capa) {
            return text(capabilities());
        }
        if (command instanceof Pop3Command.Quit) {
            return quit();
        }
        return switch (state) {
            case AUTHORIZATION -> authorization(command);
            case TRANSACTION -> transaction(command);
            case UPDATE -> Future.succeededFuture(bad(Pop3Replies.err("the session is ending")));
        };
    }

    private Future<Pop3Response> authorization(Pop3Command command) {
        if (command instanceof Pop3Command.Stls) {
            if (tls) {
                return badFuture(Pop3Replies.err("TLS is already active"));
            }
            if (!stlsAvailable) {
                return badFuture(Pop3Replies.err("STLS is not available"));
            }
            return Future.succeededFuture(new Pop3Response.StartTls(Pop3Replies.ok("Begin TLS negotiation")));
        }
        if (command instanceof Pop3Command.User u) {
            if (!authAllowed()) {
                return text(plaintextRefused());
            }
            user = u.name();
            return text(Pop3Replies.ok("send PASS"));
        }
        if (command instanceof Pop3Command.Pass p) {
            if (!authAllowed()) {
                return text(plaintextRefused());
            }
            if (user == null) {
                return badFuture(Pop3Replies.err("send USER first"));
            }
            String login = user;
            user = null;
            return login(login, p.secret().toCharArray());
        }
        if (command instanceof Pop3Command.Auth a) {
            return auth(a);
        }
        return badFuture(Pop3Replies.err(command.keyword() + " is not valid before login"));
    }

    private Future<Pop3Response> auth(Pop3Command.Auth auth) {
        if (!authAllowed()) {
            return text(plaintextRefused());
        }
        if (auth.mechanism() == null) {
            return text(Pop3Replies.multiLine("SASL mechanisms follow", List.of("PLAIN")));
        }
        if (!auth.mechanism().equals("PLAIN")) {
            return Future.succeededFuture(bad(Pop3Replies.err("unsupported SASL mechanism")));
        }
        if (auth.initialResponse() == null) {
            awaitingSaslResponse = true;
            return text("+ \r\n");
        }
        return plain(auth.initialResponse());
    }

    /** RFC 4616 through the one decoder every protocol shares (RFC 5034 §4: "=" is an empty response). */
    private Future<Pop3Response> plain(String base64) {
        SaslPlain.Outcome outcome = SaslPlain.decode(base64);
        if (outcome instanceof SaslPlain.Malformed m) {
            return text(Pop3Replies.err(Pop3Replies.AUTH, m.problem() == SaslPlain.Problem.NOT_BASE64
                    ? "the SASL response is not valid base64" : "malformed PLAIN response"));
        }
        if (outcome instanceof SaslPlain.NotAuthorized) {
            return text(Pop3Replies.err(Pop3Replies.AUTH, "the authorization identity must be empty or the login"));
        }
        SaslPlain.Credentials credentials = (SaslPlain.Credentials) outcome;
        return login(credentials.login(), credentials.password());
    }

    private Future<Pop3Response> login(String login, char[] secret) {
        return stage(accounts.login(login, secret, clientAddress, new Accounts.Channel("pop3", tls))).compose(result -> {
            Arrays.fill(secret, '\0');
            if (result instanceof Accounts.LoginResult.Throttled) {
                LOG.info("[pop3 {}] login refused: too many failures", id);
                return text(Pop3Replies.err(Pop3Replies.SYS_TEMP, "too many failed logins, try again later"));
            }
            if (!(result instanceof Accounts.LoginResult.Success success)) {
                LOG.info("[pop3 {}] failed login", id);
                return text(Pop3Replies.err(Pop3Replies.AUTH, "invalid credentials"));
            }
            Optional<MailAddress> address = Optional.of(success.user());
            return stage(locks.tryLock(address.get())).compose(held -> {
                if (held.isEmpty()) {
                    return text(Pop3Replies.err(Pop3Replies.IN_USE, "the maildrop is in use by another session"));
                }
                lock = held.get();
                if (closed) {
                    releaseLock();
                    return Future.succeededFuture(new Pop3Response.Text("", true));
                }
                return open(address.get()).recover(e -> {
                    releaseLock();
                    return Future.succeededFuture(failed(e));
                });
            });
        }, e -> {
            Arrays.fill(secret, '\0');
            return Future.succeededFuture(failed(e));
        });
    }

    private Future<Pop3Response> open(MailAddress address) {
        return stage(mailboxes.find(address, MailboxPath.INBOX)).compose(inbox -> {
            if (inbox.isEmpty()) {
                releaseLock();
                return text(Pop3Replies.err(Pop3Replies.SYS_PERM, "the user has no INBOX"));
            }
            return stage(mailboxes.messages(inbox.get().id(), UidSet.ALL)).map(messages -> {
                maildrop = new Maildrop(inbox.get().id(), inbox.get().uidValidity(), messages);
                owner = address;
                state = State.TRANSACTION;
                LOG.info("[pop3 {}] {} logged in, {} messages", id, address, maildrop.count());
                return new Pop3Response.Text(Pop3Replies.ok("maildrop has " + maildrop.count() + " messages ("
                        + maildrop.octets() + " octets)"), false);
            });
        });
    }

    private Future<Pop3Response> transaction(Pop3Command command) {
        if (command instanceof Pop3Command.Stat) {
            return text(Pop3Replies.ok(maildrop.count() + " " + maildrop.octets()));
        }
        if (command instanceof Pop3Command.ListMessages list) {
            if (list.message() == 0) {
                List<String> lines = new ArrayList<>();
                for (int n = 1; n <= maildrop.size(); n++) {
                    if (!maildrop.isDeleted(n)) {
                        lines.add(n + " " + maildrop.message(n).size());
                    }
                }
                return text(Pop3Replies.multiLine(
                        maildrop.count() + " messages (" + maildrop.octets() + " octets)", lines));
            }
            String missing = missing(list.message());
            return missing != null ? badFuture(missing)
                    : text(Pop3Replies.ok(list.message() + " " + maildrop.message(list.message()).size()));
        }
        if (command instanceof Pop3Command.Uidl uidl) {
            if (uidl.message() == 0) {
                List<String> lines = new ArrayList<>();
                for (int n = 1; n <= maildrop.size(); n++) {
                    if (!maildrop.isDeleted(n)) {
                        lines.add(n + " " + maildrop.uniqueId(n));
                    }
                }
                return text(Pop3Replies.multiLine("unique-id listing follows", lines));
            }
            String missing = missing(uidl.message());
            return missing != null ? badFuture(missing)
                    : text(Pop3Replies.ok(uidl.message() + " " + maildrop.uniqueId(uidl.message())));
        }
        if (command instanceof Pop3Command.Retr retr) {
            String missing = missing(retr.message());
            if (missing != null) {
                return badFuture(missing);
            }
            MessageRecord message = maildrop.message(retr.message());
            return Future.succeededFuture(new Pop3Response.Message(
                    Pop3Replies.ok(message.size() + " octets"), message.blob().id(), -1));
        }
        if (command instanceof Pop3Command.Top top) {
            String missing = missing(top.message());
            if (missing != null) {
                return badFuture(missing);
            }
            MessageRecord message = maildrop.message(top.message());
            return Future.succeededFuture(new Pop3Response.Message(
                    Pop3Replies.ok("top of message follows"), message.blob().id(), top.lines()));
        }
        if (command instanceof Pop3Command.Dele dele) {
            String missing = missing(dele.message());
            if (missing != null) {
                return badFuture(missing);
            }
            maildrop.markDeleted(dele.message());
            return text(Pop3Replies.ok("message " + dele.message() + " deleted"));
        }
        if (command instanceof Pop3Command.Rset) {
            maildrop.unmarkAll();
            return text(Pop3Replies.ok("maildrop has " + maildrop.count() + " messages ("
                    + maildrop.octets() + " octets)"));
        }
        if (command instanceof Pop3Command.Noop) {
            return text(Pop3Replies.ok("nothing done"));
        }
        return badFuture(Pop3Replies.err(command.keyword() + " is not valid after login"));
    }

    /** Why {@code n} names no message to act on, or null when it names one. */
    private String missing(long n) {
        if (maildrop.wasDeleted(n)) {
            return Pop3Replies.err("message " + n + " is deleted");
        }
        if (!maildrop.isLive(n)) {
            return Pop3Replies.err("no such message, only " + maildrop.size() + " in the maildrop");
        }
        return null;
    }

    /** RFC 1939 §6: only QUIT from TRANSACTION enters UPDATE and removes the marked messages. */
    private Future<Pop3Response> quit() {
        if (state != State.TRANSACTION) {
            return Future.succeededFuture(new Pop3Response.Text(Pop3Replies.ok(hostname + " POP3 server signing off"), true));
        }
        state = State.UPDATE;
        List<Long> uids = maildrop.deletedUids();
        if (uids.isEmpty()) {
            releaseLock();
            return Future.succeededFuture(new Pop3Response.Text(Pop3Replies.ok(hostname + " POP3 server signing off"), true));
        }
        return stage(mailboxes.expunge(maildrop.mailbox(), UidSet.ofUids(uids), false)).transform(ar -> {
            releaseLock();
            if (ar.failed()) {
                LOG.warn("[pop3 {}] expunge at QUIT failed for {}", id, owner, ar.cause());
                return Future.succeededFuture(new Pop3Response.Text(
                        Pop3Replies.err(Pop3Replies.SYS_TEMP, "some deleted messages were not removed"), true));
            }
            LOG.info("[pop3 {}] {} removed {} messages", id, owner, uids.size());
            return Future.succeededFuture(new Pop3Response.Text(Pop3Replies.ok(hostname
                    + " POP3 server signing off (" + uids.size() + " messages deleted)"), true));
        });
    }

    private String capabilities() {
        List<String> caps = new ArrayList<>(List.of("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"));
        if (state == State.AUTHORIZATION) {
            if (authAllowed()) {
                caps.add("USER");
                caps.add("SASL PLAIN");
            }
            if (stlsAvailable && !tls) {
                caps.add("STLS");
            }
        }
        caps.add("IMPLEMENTATION Yubin");
        return Pop3Replies.multiLine("capability list follows", caps);
    }

    private boolean authAllowed() {
        return tls || allowPlaintextAuth;
    }

    private String plaintextRefused() {
        return Pop3Replies.err(Pop3Replies.AUTH, stlsAvailable
                ? "authentication needs TLS, use STLS first"
                : "authentication needs TLS, connect to the TLS port");
    }

    /** A command answered +OK ends a run of bad ones (as IMAP counts BAD responses in a row). */
    private Pop3Response counted(Pop3Response response) {
        if (!(response instanceof Pop3Response.Text t) || t.text().startsWith("+OK")) {
            badCommands = 0;
        }
        return response;
    }

    /** A client error; too many of them in a row end the session. */
    private Pop3Response bad(String reply) {
        if (++badCommands >= MAX_BAD_COMMANDS) {
            return new Pop3Response.Text(reply.substring(0, reply.length() - 2) + " (too many bad commands, closing)\r\n",
                    true);
        }
        return new Pop3Response.Text(reply, false);
    }

    private Future<Pop3Response> badFuture(String reply) {
        return Future.succeededFuture(bad(reply));
    }

    private Pop3Response failed(Throwable e) {
        LOG.warn("[pop3 {}] command failed", id, Pop3Replies.unwrap(e));
        return new Pop3Response.Text(Pop3Replies.failure(e), false);
    }

    private static Future<Pop3Response> text(String reply) {
        return Future.succeededFuture(new Pop3Response.Text(reply, false));
    }

    private <T> Future<T> stage(CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, context);
    }

    private void releaseLock() {
        AutoCloseable held = lock;
        lock = null;
        if (held != null) {
            try {
                held.close();
            } catch (Exception e) {
                LOG.warn("[pop3 {}] could not release the maildrop lock of {}", id, owner, e);
            }
        }
    }
}
