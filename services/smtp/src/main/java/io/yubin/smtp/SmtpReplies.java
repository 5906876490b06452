package io.yubin.smtp;

import io.yubin.store.StoreException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The replies the server gives, in one place, and the one mapping from failures to replies. */
final class SmtpReplies {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpReplies.class);

    static final SmtpReply OK = new SmtpReply(250, "2.0.0", "OK");
    static final SmtpReply SENDER_OK = new SmtpReply(250, "2.1.0", "Sender OK");
    static final SmtpReply RECIPIENT_OK = new SmtpReply(250, "2.1.5", "Recipient OK");
    static final SmtpReply START_DATA = new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>");
    static final SmtpReply BYE = new SmtpReply(221, "2.0.0", "Bye");
    static final SmtpReply VRFY = new SmtpReply(252, "2.5.0",
            "Cannot VRFY user, but will accept the message and attempt delivery");
    static final SmtpReply HELP = new SmtpReply(214, "2.0.0",
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
    static final SmtpReply READY_TLS = new SmtpReply(220, "2.0.0", "Ready to start TLS");
    static final SmtpReply AUTH_OK = new SmtpReply(235, "2.7.0", "Authentication successful");

    static final SmtpReply UNKNOWN_COMMAND = new SmtpReply(500, "5.5.2", "Unknown command");
    static final SmtpReply EXPN_NOT_AVAILABLE = new SmtpReply(502, "5.5.1", "EXPN is not available");
    static final SmtpReply LINE_TOO_LONG = new SmtpReply(500, "5.5.2", "Line too long");
    static final SmtpReply BARE_LF = new SmtpReply(500, "5.5.2", "Bare LF not allowed, lines end with CRLF");
    static final SmtpReply BARE_CR = new SmtpReply(500, "5.5.2", "Bare CR not allowed, lines end with CRLF");
    static final SmtpReply BAD_UTF8 = new SmtpReply(500, "5.5.2", "Command is not valid UTF-8");
    static final SmtpReply BAD_SEQUENCE = new SmtpReply(503, "5.5.1", "Bad sequence of commands");
    static final SmtpReply NEED_EHLO = new SmtpReply(503, "5.5.1", "Send EHLO or HELO first");
    static final SmtpReply NEED_MAIL = new SmtpReply(503, "5.5.1", "Send MAIL first");
    static final SmtpReply NEED_RCPT = new SmtpReply(503, "5.5.1", "Send RCPT first");
    static final SmtpReply NESTED_MAIL = new SmtpReply(503, "5.5.1", "Sender already given");
    static final SmtpReply BINARYMIME_NEEDS_BDAT = new SmtpReply(503, "5.5.1", "BODY=BINARYMIME requires BDAT");
    static final SmtpReply AUTH_REQUIRED = new SmtpReply(530, "5.7.0", "Authentication required");
    // RFC 4954 §6: 538 5.7.11 when the mechanism needs an encrypted connection.
    static final SmtpReply ENCRYPTION_REQUIRED = new SmtpReply(538, "5.7.11",
            "Encryption required for requested authentication mechanism");
    static final SmtpReply AUTH_NOT_AVAILABLE = new SmtpReply(502, "5.5.1", "AUTH not available on this port");
    static final SmtpReply AUTH_ALREADY = new SmtpReply(503, "5.5.1", "Already authenticated");
    static final SmtpReply AUTH_MECHANISM = new SmtpReply(504, "5.5.4", "Unrecognized authentication mechanism");
    static final SmtpReply AUTH_CANCELLED = new SmtpReply(501, "5.0.0", "Authentication cancelled");
    static final SmtpReply AUTH_BAD_ENCODING = new SmtpReply(501, "5.5.2", "Cannot decode the response");
    // RFC 4954 §4: a failed exchange is 535; RFC 3463 §3.8 X.7.1: not authorized (the credentials were not checked).
    static final SmtpReply AUTH_NOT_AUTHORIZED = new SmtpReply(535, "5.7.1",
            "Not authorized to act as that identity: the authorization identity must be empty or the login");
    static final SmtpReply AUTH_FAILED = new SmtpReply(535, "5.7.8", "Authentication credentials invalid");
    static final SmtpReply AUTH_THROTTLED = new SmtpReply(454, "4.7.0", "Too many failed logins, try again later");
    static final SmtpReply AUTH_TEMPORARY = new SmtpReply(454, "4.7.0", "Temporary authentication failure");
    static final SmtpReply AUTH_TOO_MANY = new SmtpReply(421, "4.7.0", "Too many failed logins, closing connection");
    static final SmtpReply TLS_NOT_AVAILABLE = new SmtpReply(454, "4.7.0", "TLS not available");
    static final SmtpReply TLS_ALREADY = new SmtpReply(503, "5.5.1", "TLS already active");
    static final SmtpReply SENDER_NOT_OWNED = new SmtpReply(553, "5.7.1", "Sender address not owned by the authenticated user");
    /** RFC 8689 §4.1: REQUIRETLS is offered only in a TLS session (RFC 5248 X.7.10: encryption needed). */
    static final SmtpReply REQUIRETLS_WITHOUT_TLS = new SmtpReply(530, "5.7.10",
            "REQUIRETLS needs a TLS session: issue STARTTLS first");
    static final SmtpReply UTF8_NOT_REQUESTED = new SmtpReply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    static final SmtpReply UNKNOWN_USER = new SmtpReply(550, "5.1.1", "No such user here");
    /** {@code <Postmaster>} when the server serves no domain at all. */
    static final SmtpReply NO_POSTMASTER = new SmtpReply(550, "5.1.1", "No postmaster here: this server serves no domain");
    /** RFC 3463 X.2.2 mailbox full: for now (the user may make room), as Dovecot's quota_full_tempfail. */
    static final SmtpReply MAILBOX_FULL = new SmtpReply(452, "4.2.2", "Mailbox full: over its quota, try again later");
    /** RFC 1870 §6.1: the declared SIZE alone is more than the recipient's whole quota. */
    static final SmtpReply OVER_QUOTA_FOR_GOOD = new SmtpReply(552, "5.2.2",
            "Mailbox full: the message is larger than the recipient's storage quota");
    /** As {@link #MAILBOX_FULL}, when the recipient's domain is over its quota (over all its users). */
    static final SmtpReply DOMAIN_FULL = new SmtpReply(452, "4.2.2",
            "Mailbox full: the recipient's domain is over its quota, try again later");
    /** As {@link #OVER_QUOTA_FOR_GOOD}, against the domain's quota. */
    static final SmtpReply DOMAIN_OVER_QUOTA_FOR_GOOD = new SmtpReply(552, "5.2.2",
            "Mailbox full: the message is larger than the recipient domain's storage quota");
    static final SmtpReply RELAY_DENIED = new SmtpReply(550, "5.7.1", "Relaying denied");
    static final SmtpReply TOO_MANY_RECIPIENTS = new SmtpReply(452, "4.5.3", "Too many recipients");
    static final SmtpReply TOO_BIG = new SmtpReply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    static final SmtpReply BARE_LINE_ENDING_IN_DATA = new SmtpReply(550, "5.5.2",
            "Bare CR or LF in message, lines end with CRLF; message refused");
    static final SmtpReply LONG_LINE_IN_DATA = new SmtpReply(554, "5.6.0", "Line too long in message; message refused");
    static final SmtpReply TEMPORARY_FAILURE = new SmtpReply(451, "4.3.0", "Temporary failure, try again later");
    // RFC 5321 §4.2.2 / RFC 3463 X.3.1: the server's storage is full; the client keeps the message and retries.
    static final SmtpReply INSUFFICIENT_STORAGE = new SmtpReply(452, "4.3.1", "Insufficient system storage, try again later");
    // RFC 5321 §3.8: a server that must shut down answers 421 and closes; RFC 3463 X.3.2: not accepting messages.
    static final SmtpReply SHUTTING_DOWN = new SmtpReply(421, "4.3.2", "Service shutting down");
    static final SmtpReply TOO_MANY_CONNECTIONS = new SmtpReply(421, "4.7.0", "Too many connections from your address");

    private SmtpReplies() {
    }

    /** RFC 5321 §3.1: 554 in place of the greeting; RFC 3463: 5.7.1 delivery not authorized. */
    static SmtpReply refusedAddress(String ip) {
        return new SmtpReply(554, "5.7.1", "Connection refused: your address [" + ip + "] may not connect here");
    }

    /** RFC 5782 §2.1: the client is on a DNS blocklist; the reply names the list, as Postfix's does. */
    static SmtpReply blocklisted(String ip, String zone) {
        return new SmtpReply(554, "5.7.1", "Service unavailable; client [" + ip + "] blocked using " + zone);
    }

    /** RFC 5321 §4.2.2 553 mailbox name not allowed; RFC 3463 5.1.3 bad destination mailbox address syntax. */
    static SmtpReply badRecipientSyntax(String problem) {
        return new SmtpReply(553, "5.1.3", "No such user here: " + problem);
    }

    static SmtpReply timeout(String hostname) {
        return new SmtpReply(421, "4.4.2", hostname + " Timeout, closing connection");
    }

    static SmtpReply queued(String spoolId) {
        return new SmtpReply(250, "2.0.0", "OK: queued as " + spoolId);
    }

    /** RFC 7489 §6.6.4 and §10.3 (the 5.7.1 the DMARC section of RFC 7372 does not change). */
    static SmtpReply dmarcReject(String fromDomain) {
        return new SmtpReply(550, "5.7.1", "Message rejected: it fails the DMARC policy of " + fromDomain
                + " (no aligned SPF or DKIM pass), which asks to reject it");
    }

    /** RFC 3463 5.7.1: refused by policy; the signature named, as Postfix's content filters do. */
    /** Issue 18: refused at the end of data only above the high threshold; below it, Junk. */
    static SmtpReply spamReject(double score) {
        return new SmtpReply(550, "5.7.1", String.format(Locale.ROOT,
                "Message refused: it is spam (score %.3f)", score));
    }

    static SmtpReply virusFound(String signature) {
        return new SmtpReply(554, "5.7.1", "Message refused: a virus was found in it (" + signature + ")");
    }

    /**
     * RFC 5321 §6.3: as many Received fields as a loop makes; RFC 3463 X.4.6 routing loop detected.
     */
    static SmtpReply tooManyHops(int received) {
        return new SmtpReply(554, "5.4.6", "Message refused: it has " + received
                + " Received fields, a mail loop (too many hops)");
    }

    /** The scanner could not answer and the server does not accept unscanned mail: try again later. */
    static SmtpReply virusScannerUnavailable() {
        return new SmtpReply(451, "4.7.1", "Message not accepted for now: the virus scanner is unavailable, "
                + "try again later");
    }

    static SmtpReply syntax(String text) {
        return new SmtpReply(501, "5.5.4", text);
    }

    /**
     * The one mapping from a failure of the store, the directory or the body spooling to a reply:
     * never a 2xx, always temporary so the client retries (docs/architecture.md §4.1); a message
     * refused on purpose ({@link MessageRefusedException}) gets its own reply.
     */
    static SmtpReply forFailure(String sessionId, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MessageRefusedException refused) {
                LOG.info("[{}] message refused: {}", sessionId, refused.reply().text());
                return refused.reply();
            }
        }
        if (StoreException.isStorageFull(failure)) {
            LOG.warn("[{}] storage is full: {}", sessionId, failure.getMessage());
            return INSUFFICIENT_STORAGE;
        }
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof StoreException)) {
            cause = cause.getCause();
        }
        if (cause instanceof StoreException e && e.kind() == StoreException.Kind.UNAVAILABLE) {
            LOG.warn("[{}] store unavailable: {}", sessionId, e.getMessage());
        } else {
            LOG.warn("[{}] failure while handling a command", sessionId, failure);
        }
        return TEMPORARY_FAILURE;
    }
}
