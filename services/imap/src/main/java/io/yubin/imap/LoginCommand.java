package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.protocol.SaslPlain;
import io.yubin.store.Accounts;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** LOGIN (RFC 9051 §6.2.3) and AUTHENTICATE PLAIN with SASL-IR (RFC 4959, RFC 4616). */
final class LoginCommand {

    private static final Logger LOG = LoggerFactory.getLogger(LoginCommand.class);

    private LoginCommand() {
    }

    static Future<Void> login(ImapSession s, Request r) {
        List<Token> a = r.args();
        ImapSession.args(a, 2);
        if (!s.tls && !s.options.allowPlaintextAuth()) {
            // RFC 9051 §6.2.3: LOGINDISABLED means LOGIN is refused.
            throw new No("[PRIVACYREQUIRED] LOGIN is disabled until STARTTLS");
        }
        return loggedIn(s, r, ImapSession.astring(a.get(0)), ImapSession.astring(a.get(1)).toCharArray());
    }

    static Future<Void> authenticate(ImapSession s, Request r) {
        List<Token> a = r.args();
        if (a.isEmpty() || a.size() > 2) {
            throw new ImapParseException("AUTHENTICATE takes a mechanism and an optional initial response");
        }
        if (!ImapSession.astring(a.get(0)).equalsIgnoreCase("PLAIN")) {
            throw new No("[CANNOT] Unsupported mechanism");
        }
        if (!s.tls && !s.options.allowPlaintextAuth()) {
            throw new No("[PRIVACYREQUIRED] Authentication is disabled until STARTTLS");
        }
        Future<String> response;
        if (a.size() == 2) {
            response = Future.succeededFuture(ImapSession.astring(a.get(1)));
        } else {
            s.client.write("+ \r\n");
            response = s.client.readLine();
        }
        return response.compose(line -> {
            if (line.equals("*")) {
                return s.bad(r.tag(), "Authentication cancelled", null);
            }
            SaslPlain.Outcome outcome = SaslPlain.decode(line);
            if (outcome instanceof SaslPlain.Malformed m) {
                return s.bad(r.tag(), m.problem() == SaslPlain.Problem.NOT_BASE64 ? "Invalid base64"
                        : "Invalid PLAIN response", null);
            }
            if (outcome instanceof SaslPlain.NotAuthorized) {
                // RFC 5530 §3: authenticated or not, this identity may not act as the one asked for.
                throw new No("[AUTHORIZATIONFAILED] The authorization identity must be empty or the login");
            }
            SaslPlain.Credentials credentials = (SaslPlain.Credentials) outcome;
            return loggedIn(s, r, credentials.login(), credentials.password());
        });
    }

    /** Checks a login; the secret is wiped once it has been checked. */
    private static Future<Void> loggedIn(ImapSession s, Request r, String login, char[] secret) {
        Future<Accounts.LoginResult> checked;
        try {
            checked = s.f(s.accounts.login(login, secret, s.clientAddress, new Accounts.Channel("imap", s.tls)));
        } catch (RuntimeException e) {
            checked = Future.failedFuture(e);
        }
        return checked.andThen(ar -> Arrays.fill(secret, '\0')).compose(result -> {
            if (result instanceof Accounts.LoginResult.Throttled) {
                LOG.info("[imap {}] login refused: too many failures", s.id);
                throw new No("[UNAVAILABLE] Too many failed logins, try again later");
            }
            if (!(result instanceof Accounts.LoginResult.Success success)) {
                LOG.info("[imap {}] failed login", s.id);
                throw new No("[AUTHENTICATIONFAILED] Invalid credentials");
            }
            s.user = success.user();
            s.state = ImapSession.State.AUTHENTICATED;
            AutoCloseable events = s.events.subscribe(s.user, e -> s.context.runOnContext(v -> s.onEvent(e)));
            AutoCloseable missed = s.events.onMissedEvents(() -> s.context.runOnContext(v -> s.recheck()));
            s.subscription = () -> {
                try {
                    events.close();
                } finally {
                    missed.close();
                }
            };
            LOG.info("[imap {}] {} logged in", s.id, s.user);
            return s.ok(r, "[CAPABILITY " + s.capabilities() + "] Logged in");
        });
    }
}
