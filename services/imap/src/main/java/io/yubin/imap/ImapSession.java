package io.yubin.imap;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.yubin.imap.ImapParser.Atom;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Nil;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Str;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.search.SearchEvaluator;
import io.yubin.imap.search.SearchKey;
import io.yubin.imap.search.SearchResult;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.Accounts;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MailboxStore;
import io.yubin.store.MailboxStore.FlagOperation;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.UidSet;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP session as the state machine of RFC 9051 §3: NOT_AUTHENTICATED, AUTHENTICATED after a
 * login, SELECTED with a mailbox open, LOGOUT. Commands run one at a time; {@link #fail} is the one
 * place that maps failures to responses.
 */
final class ImapSession {

    private static final Logger LOG = LoggerFactory.getLogger(ImapSession.class);

    /** What the session needs of its connection. */
    interface Client {
        void write(String text);

        void write(byte[] octets);

        /** Completes when the socket's write queue has room again. */
        Future<Void> drained();

        /** The next line the client sends, not parsed as a command (AUTHENTICATE, IDLE's DONE). */
        Future<String> readLine();

        /** Sends {@code ok} in plaintext, then starts the TLS handshake (RFC 9051 §6.2.1). */
        Future<Void> startTls(String ok);

        /** Sends {@code ok}, then compresses both directions (RFC 4978). */
        Future<Void> startCompression(String ok);

        Future<Void> end(String text);

        void close();
    }

    enum State { NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT }

    private static final DateTimeFormatter INTERNALDATE = DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z",
            Locale.ENGLISH);
    private static final DateTimeFormatter APPEND_DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z",
            Locale.ENGLISH);
    private static final DateTimeFormatter SEARCH_DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ENGLISH);
    private static final Pattern SEQUENCE = Pattern.compile("[0-9*:,$]+");

    private final String id;
    private final String clientAddress;
    private final ImapServer.Options options;
    private final boolean startTlsOffered;
    private final Storage storage;
    private final MailboxStore mailboxes;
    private final Accounts accounts;
    private final MailboxEvents events;
    private final Context context;
    private final Client client;
    private final ImapMessages messages;
    private final UidSnapshots snapshots;

    private State state = State.NOT_AUTHENTICATED;
    private boolean tls;
    private MailAddress user;
    private AutoCloseable subscription;
    private SelectedMailbox selected;
    private boolean utf8;
    private boolean condstore;
    private boolean qresync;
    private boolean compressed;
    private long resyncValidity = -1;
    private long resyncModSeq = -1;
    private UidSet resyncKnown;
    private SeqMatch resyncMatch;
    private boolean changed;
    private boolean idling;
    private int badInARow;
    private boolean answeredBad;
    private List<Long> savedResult = List.of();

    ImapSession(String id, String clientAddress, ImapServer.Options options, boolean tls, boolean startTlsOffered,
            Storage storage, Accounts accounts, MailboxEvents events, WorkerExecutor blobIo, Context context,
            Client client, UidSnapshots snapshots) {
        this.id = id;
        this.clientAddress = clientAddress;
        this.options = options;
        this.tls = tls;
        this.startTlsOffered = startTlsOffered;
        this.storage = storage;
        this.mailboxes = storage.mailboxes();
        this.accounts = accounts;
        this.events = events;
        this.context = context;
        this.client = client;
        this.messages = new ImapMessages(storage, blobIo, context);
        this.snapshots = snapshots;
    }

    String greeting() {
        return "* OK [CAPABILITY " + capabilities() + "] " + options.hostname() + " IMAP4rev2 server ready\r\n";
    }

    private String capabilities() {
        StringBuilder c = new StringBuilder("IMAP4rev1 IMAP4rev2");
        if (state == State.NOT_AUTHENTICATED) {
            if (!tls && startTlsOffered) {
                c.append(" STARTTLS");
            }
            if (tls || options.allowPlaintextAuth()) {
                c.append(" AUTH=PLAIN SASL-IR");
            } else {
                c.append(" LOGINDISABLED");
            }
        }
        c.append(" LITERAL+ ENABLE ID IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE CREATE-SPECIAL-USE"
                + " CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES LIST-EXTENDED LIST-STATUS STATUS=SIZE QUOTA QUOTA=RES-STORAGE"
                + " UTF8=ACCEPT COMPRESS=DEFLATE APPENDLIMIT=").append(options.limits().maxMessageSize());
        return c.toString();
    }

    void closed() {
        state = State.LOGOUT;
        unsubscribe();
    }

    private void unsubscribe() {
        AutoCloseable s = subscription;
        subscription = null;
        if (s != null) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("[imap {}] closing the event subscription: {}", id, e.toString());
            }
        }
    }

    Future<Void> refused(ImapFramer.Refused refused) {
        String tag = refused.tag() == null ? "*" : refused.tag();
        if (refused.close()) {
            return client.end(tag + " " + refused.response() + "\r\n* BYE Closing\r\n");
        }
        return bad(tag, refused.response().startsWith("BAD ") ? refused.response().substring(4) : null,
                refused.response());
    }

    Future<Void> handle(ImapFramer.Command command) {
        Request request;
        try {
            request = ImapParser.parse(command.segments(), options.limits().maxNesting(), command.streamedSegment(),
                    command.literal());
        } catch (ImapParseException e) {
            return bad(e.tag() == null ? "*" : e.tag(), e.getMessage(), null);
        }
        Future<Void> done;
        answeredBad = false;
        try {
            done = dispatch(request);
        } catch (ImapParseException e) {
            return bad(request.tag(), e.getMessage(), null);
        } catch (RuntimeException e) {
            done = Future.failedFuture(e);
        }
        return done.transform(ar -> {
            if (ar.failed()) {
                return fail(request.tag(), ar.cause());
            }
            if (!answeredBad) {
                badInARow = 0;
            }
            return Future.succeededFuture();
        });
    }

    /** A BAD response; too many in a row end the session (RFC 9051 §7.1.5 BYE). */
    private Future<Void> bad(String tag, String text, String full) {
        badInARow++;
        answeredBad = true;
        client.write(tag + " " + (full != null ? full : "BAD " + text) + "\r\n");
        if (badInARow >= options.limits().maxBadCommands()) {
            return client.end("* BYE Too many invalid commands\r\n");
        }
        return Future.succeededFuture();
    }

    /** The one place failures become responses. */
    private Future<Void> fail(String tag, Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (t instanceof ImapParseException p) {
            return bad(tag, p.getMessage(), null);
        }
        if (t instanceof No no) {
            client.write(tag + " NO " + no.getMessage() + "\r\n");
            return Future.succeededFuture();
        }
        if (t instanceof StoreException e) {
            switch (e.kind()) {
                case NOT_FOUND:
                    client.write(tag + " NO [NONEXISTENT] " + e.getMessage() + "\r\n");
                    break;
                case CONFLICT:
                    client.write(tag + " NO [ALREADYEXISTS] " + e.getMessage() + "\r\n");
                    break;
                case INVALID:
                    client.write(tag + " NO [CANNOT] " + e.getMessage() + "\r\n");
                    break;
                default:
                    LOG.warn("[imap {}] store unavailable: {}", id, e.getMessage());
                    client.write(tag + " NO [UNAVAILABLE] The mail store is unavailable, try again later\r\n");
            }
            return Future.succeededFuture();
        }
        LOG.warn("[imap {}] command failed", id, t);
        client.write(tag + " NO [SERVERBUG] Internal error\r\n");
        return Future.succeededFuture();
    }

    /** A NO response with its text (response code included). */
    static final class No extends RuntimeException {
        No(String text) {
            super(text, null, false, false);
        }
    }

    private <T> Future<T> f(CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, context);
    }

    private Future<Void> dispatch(Request r) {
        String c = r.command();
        List<Token> a = r.args();
        switch (c) {
            case "CAPABILITY":
                args(a, 0);
                client.write("* CAPABILITY " + capabilities() + "\r\n");
                return ok(r, "CAPABILITY completed");
            case "NOOP":
            case "CHECK":
                args(a, 0);
                return notifyChanges(true).compose(v -> ok(r, c + " completed"));
            case "LOGOUT":
                args(a, 0);
                state = State.LOGOUT;
                unsubscribe();
                return client.end("* BYE Logging out\r\n" + r.tag() + " OK LOGOUT completed\r\n");
            case "ID":
                // RFC 2971: what the client says is informational only.
                client.write("* ID (\"name\" \"Yubin\")\r\n");
                return ok(r, "ID completed");
            default:
                break;
        }
        if (state == State.NOT_AUTHENTICATED) {
            switch (c) {
                case "STARTTLS":
                    args(a, 0);
                    if (tls || !startTlsOffered) {
                        return bad(r.tag(), tls ? "TLS is already active" : "STARTTLS is not offered", null);
                    }
                    tls = true;
                    return client.startTls(r.tag() + " OK Begin TLS negotiation now\r\n");
                case "LOGIN":
                    args(a, 2);
                    if (!tls && !options.allowPlaintextAuth()) {
                        // RFC 9051 §6.2.3: LOGINDISABLED means LOGIN is refused.
                        throw new No("[PRIVACYREQUIRED] LOGIN is disabled until STARTTLS");
                    }
                    return login(r, astring(a.get(0)), astring(a.get(1)).toCharArray());
                case "AUTHENTICATE":
                    return authenticate(r);
                default:
                    return bad(r.tag(), AUTHENTICATED_COMMANDS.contains(c) || SELECTED_COMMANDS.contains(c)
                            ? c + " is not valid before login" : "Unknown command " + c, null);
            }
        }
        switch (c) {
            case "STARTTLS":
            case "LOGIN":
            case "AUTHENTICATE":
                return bad(r.tag(), "Already authenticated", null);
            case "ENABLE":
                return enable(r);
            case "COMPRESS":
                args(a, 1);
                if (!astring(a.get(0)).equalsIgnoreCase("DEFLATE")) {
                    throw new ImapParseException("Unknown compression mechanism " + astring(a.get(0)));
                }
                if (compressed) {
                    throw new No("[COMPRESSIONACTIVE] DEFLATE is already active");
                }
                compressed = true;
                return client.startCompression(r.tag() + " OK DEFLATE active\r\n");
            case "SELECT":
            case "EXAMINE":
                return select(r, c.equals("EXAMINE"));
            case "CREATE":
                return create(r);
            case "DELETE":
                args(a, 1);
                return f(mailboxes.delete(user, path(a.get(0)))).compose(v -> {
                    publishMailboxChange();
                    return ok(r, "DELETE completed");
                });
            case "RENAME":
                args(a, 2);
                return f(mailboxes.rename(user, path(a.get(0)), path(a.get(1)))).compose(v -> {
                    publishMailboxChange();
                    return ok(r, "RENAME completed");
                });
            case "SUBSCRIBE":
                args(a, 1);
                return f(mailboxes.subscribe(user, path(a.get(0)))).compose(v -> ok(r, "SUBSCRIBE completed"));
            case "UNSUBSCRIBE":
                args(a, 1);
                return f(mailboxes.unsubscribe(user, path(a.get(0)))).compose(v -> ok(r, "UNSUBSCRIBE completed"));
            case "LIST":
                return list(r, false);
            case "LSUB":
                return list(r, true);
            case "NAMESPACE":
                args(a, 0);
                client.write("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
                return ok(r, "NAMESPACE completed");
            case "STATUS":
                return status(r);
            case "APPEND":
                return append(r);
            case "IDLE":
                args(a, 0);
                return idle(r);
            case "GETQUOTAROOT":
                args(a, 1);
                path(a.get(0));
                client.write("* QUOTAROOT " + quoted(astring(a.get(0))) + " \"\"\r\n");
                return quota().compose(v -> ok(r, "GETQUOTAROOT completed"));
            case "GETQUOTA":
                args(a, 1);
                if (!astring(a.get(0)).isEmpty()) {
                    throw new No("[NONEXISTENT] No such quota root");
                }
                return quota().compose(v -> ok(r, "GETQUOTA completed"));
            case "SETQUOTA":
                throw new No("[NOPERM] Quotas are set by the administrator");
            default:
                break;
        }
        if (state != State.SELECTED) {
            return bad(r.tag(), SELECTED_COMMANDS.contains(c) ? c + " needs a selected mailbox"
                    : "Unknown command " + c, null);
        }
        switch (c) {
            case "CLOSE":
                args(a, 0);
                SelectedMailbox closing = selected;
                selected = null;
                state = State.AUTHENTICATED;
                if (closing.readOnly) {
                    return ok(r, "CLOSE completed");
                }
                // RFC 9051 §6.4.1: CLOSE expunges silently.
                return f(mailboxes.expunge(closing.mailbox.id(), UidSet.ALL, true)).compose(uids -> {
                    for (long uid : uids) {
                        publish(closing.mailbox, MailboxEvent.Kind.EXPUNGED, uid, 0);
                    }
                    return ok(r, "CLOSE completed");
                });
            case "UNSELECT":
                args(a, 0);
                selected = null;
                state = State.AUTHENTICATED;
                return ok(r, "UNSELECT completed");
            case "EXPUNGE":
                args(a, 0);
                return expunge(r, UidSet.ALL);
            case "FETCH":
                return fetch(r, a, false);
            case "STORE":
                return store(r, a, false);
            case "COPY":
            case "MOVE":
                return copy(r, a, false, c.equals("MOVE"));
            case "SEARCH":
                return search(r, a, false);
            case "SORT":
                return sort(r, a, false);
            case "THREAD":
                return thread(r, a, false);
            case "UID":
                return uid(r);
            default:
                return bad(r.tag(), "Unknown command " + c, null);
        }
    }

    private static final Set<String> AUTHENTICATED_COMMANDS = Set.of("ENABLE", "SELECT", "EXAMINE", "CREATE",
            "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE",
            "GETQUOTAROOT", "GETQUOTA", "SETQUOTA", "COMPRESS");
    private static final Set<String> SELECTED_COMMANDS = Set.of("CLOSE", "UNSELECT", "EXPUNGE", "FETCH", "STORE",
            "COPY", "MOVE", "SEARCH", "SORT", "THREAD", "UID");

    private Future<Void> uid(Request r) {
        List<Token> a = r.args();
        if (a.isEmpty() || !(a.get(0) instanceof Atom sub)) {
            throw new ImapParseException("UID needs a command");
        }
        List<Token> rest = a.subList(1, a.size());
        switch (sub.value().toUpperCase(Locale.ROOT)) {
            case "FETCH":
                return fetch(r, rest, true);
            case "STORE":
                return store(r, rest, true);
            case "COPY":
                return copy(r, rest, true, false);
            case "MOVE":
                return copy(r, rest, true, true);
            case "SEARCH":
                return search(r, rest, true);
            case "SORT":
                return sort(r, rest, true);
            case "THREAD":
                return thread(r, rest, true);
            case "EXPUNGE":
                args(rest, 1);
                return expunge(r, sequence(rest.get(0), true));
            default:
                throw new ImapParseException("Unknown UID command " + sub.value());
        }
    }

    private Future<Void> ok(Request r, String text) {
        client.write(r.tag() + " OK " + text + "\r\n");
        return Future.succeededFuture();
    }

    private static void args(List<Token> a, int n) {
        if (a.size() != n) {
            throw new ImapParseException("Expected " + n + " argument" + (n == 1 ? "" : "s"));
        }
    }

    private static String astring(Token t) {
        if (t instanceof Atom atom) {
            return atom.value();
        }
        if (t instanceof Str s) {
            return s.value();
        }
        throw new ImapParseException("Expected a string");
    }

    private static String quoted(String s) {
        return ImapStrings.appendString(new StringBuilder(), s, true).toString();
    }

    /** A mailbox name: modified UTF-7 unless the client enabled UTF-8 (RFC 9051 §5.1, RFC 6855). */
    private MailboxPath path(Token t) {
        String name = astring(t);
        try {
            MailboxPath p = utf8 ? MailboxPath.parse(name) : MailboxPath.parseModifiedUtf7(name);
            return p;
        } catch (IllegalArgumentException e) {
            throw new No("[CANNOT] Invalid mailbox name: " + e.getMessage());
        }
    }

    private String name(MailboxPath p) {
        return ImapStrings.appendString(new StringBuilder(), utf8 ? p.name() : p.toModifiedUtf7(), utf8).toString();
    }

    private UidSet sequence(Token t, boolean uid) {
        if (!(t instanceof Atom atom) || !SEQUENCE.matcher(atom.value()).matches()) {
            throw new ImapParseException("Invalid sequence set");
        }
        SequenceSet set;
        try {
            set = SequenceSet.parse(atom.value());
        } catch (IllegalArgumentException e) {
            throw new ImapParseException(e.getMessage());
        }
        if (set.saved()) {
            if (uid) {
                return savedResult.isEmpty() ? UidSet.of() : UidSet.ofUids(savedResult);
            }
            List<Long> msns = new ArrayList<>();
            for (long u : savedResult) {
                int msn = selected.msn(u);
                if (msn > 0) {
                    msns.add((long) msn);
                }
            }
            return msns.isEmpty() ? UidSet.of() : UidSet.ofUids(msns);
        }
        if (uid) {
            return set.resolve(selected.maxUid());
        }
        if (selected.count() == 0) {
            throw new ImapParseException("No messages: sequence numbers are invalid");
        }
        UidSet resolved = set.resolve(selected.count());
        if (!selected.sequenceInRange(resolved)) {
            throw new ImapParseException("Sequence number out of range (" + selected.count() + " messages)");
        }
        return resolved;
    }

    // ---- login ----

    private Future<Void> login(Request r, String login, char[] secret) {
        return f(accounts.login(login, secret, clientAddress)).compose(result -> {
            if (result instanceof Accounts.LoginResult.Throttled) {
                LOG.info("[imap {}] login refused: too many failures", id);
                throw new No("[UNAVAILABLE] Too many failed logins, try again later");
            }
            if (!(result instanceof Accounts.LoginResult.Success success)) {
                LOG.info("[imap {}] failed login", id);
                throw new No("[AUTHENTICATIONFAILED] Invalid credentials");
            }
            user = success.user();
            state = State.AUTHENTICATED;
            subscription = events.subscribe(user, e -> context.runOnContext(v -> onEvent(e)));
            LOG.info("[imap {}] {} logged in", id, user);
            return ok(r, "[CAPABILITY " + capabilities() + "] Logged in");
        });
    }

    /** RFC 4959 SASL-IR and RFC 4616 PLAIN: {@code AUTHENTICATE PLAIN [initial-response]}. */
    private Future<Void> authenticate(Request r) {
        List<Token> a = r.args();
        if (a.isEmpty() || a.size() > 2) {
            throw new ImapParseException("AUTHENTICATE takes a mechanism and an optional initial response");
        }
        if (!astring(a.get(0)).equalsIgnoreCase("PLAIN")) {
            throw new No("[CANNOT] Unsupported mechanism");
        }
        if (!tls && !options.allowPlaintextAuth()) {
            throw new No("[PRIVACYREQUIRED] Authentication is disabled until STARTTLS");
        }
        Future<String> response = a.size() == 2 ? Future.succeededFuture(astring(a.get(1))) : promptLine();
        return response.compose(line -> {
            if (line.equals("*")) {
                return bad(r.tag(), "Authentication cancelled", null);
            }
            byte[] decoded;
            try {
                decoded = line.equals("=") ? new byte[0] : Base64.getDecoder().decode(line.trim());
            } catch (IllegalArgumentException e) {
                return bad(r.tag(), "Invalid base64", null);
            }
            String[] parts = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
            if (parts.length != 3) {
                return bad(r.tag(), "Invalid PLAIN response", null);
            }
            if (!parts[0].isEmpty() && !parts[0].equalsIgnoreCase(parts[1])) {
                throw new No("[AUTHORIZATIONFAILED] The authorization identity must be empty or the login");
            }
            return login(r, parts[1], parts[2].toCharArray());
        });
    }

    private Future<String> promptLine() {
        client.write("+ \r\n");
        return client.readLine();
    }

    // ---- enable ----

    private Future<Void> enable(Request r) {
        List<String> enabled = new ArrayList<>();
        for (Token t : r.args()) {
            String cap = astring(t).toUpperCase(Locale.ROOT);
            if ((cap.equals("UTF8=ACCEPT") || cap.equals("IMAP4REV2")) && !utf8) {
                utf8 = true;
                enabled.add(cap);
            } else if (cap.equals("CONDSTORE") && !condstore) {
                condstore = true;
                enabled.add(cap);
            } else if (cap.equals("QRESYNC") && !qresync) {
                // RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE too.
                qresync = true;
                condstore = true;
                enabled.add(cap);
            }
        }
        client.write("* ENABLED" + (enabled.isEmpty() ? "" : " " + String.join(" ", enabled)) + "\r\n");
        return ok(r, "ENABLE completed");
    }

    // ---- mailboxes ----

    private Future<Void> create(Request r) {
        List<Token> a = r.args();
        if (a.isEmpty() || a.size() > 2) {
            throw new ImapParseException("CREATE takes a mailbox name and optional parameters");
        }
        Set<SpecialUse> uses = new LinkedHashSet<>();
        if (a.size() == 2) {
            // RFC 6154 §3: CREATE name (USE (\Junk ...))
            if (!(a.get(1) instanceof ListToken params) || params.items().size() != 2
                    || !astring(params.items().get(0)).equalsIgnoreCase("USE")
                    || !(params.items().get(1) instanceof ListToken useList)) {
                throw new ImapParseException("Invalid CREATE parameters");
            }
            for (Token t : useList.items()) {
                try {
                    uses.add(SpecialUse.fromAttribute(astring(t)));
                } catch (IllegalArgumentException e) {
                    throw new No("[USEATTR] Unsupported special-use attribute " + astring(t));
                }
            }
        }
        String raw = astring(a.get(0));
        MailboxPath p = path(new Atom(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw));
        if (p.isInbox()) {
            throw new No("[ALREADYEXISTS] INBOX exists");
        }
        return f(mailboxes.create(user, p, uses)).compose(m -> {
            publishMailboxChange();
            return ok(r, "CREATE completed");
        });
    }

    private Future<Void> list(Request r, boolean lsub) {
        List<Token> a = r.args();
        int i = 0;
        boolean specialUseOnly = false;
        boolean subscribedOnly = lsub;
        if (!lsub && !a.isEmpty() && a.get(0) instanceof ListToken selection) {
            // RFC 5258 selection options.
            for (Token t : selection.items()) {
                String o = astring(t).toUpperCase(Locale.ROOT);
                if (o.equals("SUBSCRIBED")) {
                    subscribedOnly = true;
                } else if (o.equals("SPECIAL-USE")) {
                    specialUseOnly = true;
                }
            }
            i = 1;
        }
        if (a.size() < i + 2) {
            throw new ImapParseException("LIST takes a reference and a mailbox pattern");
        }
        String reference = astring(a.get(i));
        List<String> patterns = new ArrayList<>();
        if (a.get(i + 1) instanceof ListToken many) {
            for (Token t : many.items()) {
                patterns.add(astring(t));
            }
        } else {
            patterns.add(astring(a.get(i + 1)));
        }
        List<String> statusItems = new ArrayList<>();
        if (a.size() > i + 2) {
            if (!(a.get(i + 2) instanceof Atom ret) || !ret.value().equalsIgnoreCase("RETURN") || a.size() != i + 4
                    || !(a.get(i + 3) instanceof ListToken returns)) {
                throw new ImapParseException("Invalid LIST return options");
            }
            for (int k = 0; k < returns.items().size(); k++) {
                String o = astring(returns.items().get(k)).toUpperCase(Locale.ROOT);
                if (o.equals("STATUS") && k + 1 < returns.items().size()
                        && returns.items().get(k + 1) instanceof ListToken items) {
                    for (Token t : items.items()) {
                        statusItems.add(astring(t).toUpperCase(Locale.ROOT));
                    }
                    k++;
                }
            }
        }
        if (patterns.size() == 1 && patterns.get(0).isEmpty() && !lsub) {
            // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter.
            client.write("* LIST (\\Noselect) \"/\" \"\"\r\n");
            return ok(r, "LIST completed");
        }
        boolean onlySpecial = specialUseOnly;
        boolean onlySubscribed = subscribedOnly;
        return f(mailboxes.list(user)).compose(all -> f(mailboxes.subscriptions(user)).compose(subs -> {
            List<Future<Void>> lines = new ArrayList<>();
            for (Mailbox m : all) {
                String name = utf8 ? m.path().name() : m.path().toModifiedUtf7();
                boolean match = false;
                for (String pattern : patterns) {
                    match |= matches(reference + pattern, name);
                }
                if (!match || (onlySpecial && m.specialUse().isEmpty())
                        || (onlySubscribed && !subs.contains(m.path()))) {
                    continue;
                }
                boolean children = all.stream().anyMatch(o -> o.path().isDescendantOf(m.path()));
                List<String> attrs = new ArrayList<>();
                attrs.add(children ? "\\HasChildren" : "\\HasNoChildren");
                if (subs.contains(m.path()) && !lsub) {
                    attrs.add("\\Subscribed");
                }
                for (SpecialUse u : m.specialUse()) {
                    attrs.add(u.attribute());
                }
                client.write("* " + (lsub ? "LSUB" : "LIST") + " (" + String.join(" ", attrs) + ") \"/\" "
                        + name(m.path()) + "\r\n");
                if (!statusItems.isEmpty()) {
                    lines.add(f(mailboxes.status(m.id())).map(st -> {
                        client.write("* STATUS " + name(m.path()) + " (" + statusText(statusItems, st) + ")\r\n");
                        return null;
                    }));
                }
            }
            return Future.join(lines).compose(v -> ok(r, (lsub ? "LSUB" : "LIST") + " completed"));
        }));
    }

    /** RFC 9051 §6.3.9: {@code *} matches anything, {@code %} anything but the delimiter. */
    static boolean matches(String pattern, String name) {
        StringBuilder regex = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            if (ch == '*') {
                regex.append(".*");
            } else if (ch == '%') {
                regex.append("[^/]*");
            } else {
                regex.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        boolean inbox = name.equalsIgnoreCase("INBOX");
        return Pattern.compile(regex.toString(), inbox ? Pattern.CASE_INSENSITIVE : 0).matcher(name).matches();
    }

    private Future<Void> status(Request r) {
        List<Token> a = r.args();
        args(a, 2);
        if (!(a.get(1) instanceof ListToken items) || items.items().isEmpty()) {
            throw new ImapParseException("STATUS takes a list of items");
        }
        List<String> names = new ArrayList<>();
        for (Token t : items.items()) {
            String n = astring(t).toUpperCase(Locale.ROOT);
            if (!Set.of("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "RECENT",
                    "HIGHESTMODSEQ").contains(n)) {
                throw new ImapParseException("Unknown STATUS item " + n);
            }
            names.add(n);
        }
        MailboxPath p = path(a.get(0));
        return f(mailboxes.find(user, p)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[NONEXISTENT] No such mailbox");
            }
            return f(mailboxes.status(found.get().id())).compose(st -> {
                client.write("* STATUS " + name(p) + " (" + statusText(names, st) + ")\r\n");
                return ok(r, "STATUS completed");
            });
        });
    }

    private static String statusText(List<String> names, MailboxStatus st) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            long v;
            switch (n) {
                case "MESSAGES": v = st.messages(); break;
                case "UIDNEXT": v = st.uidNext(); break;
                case "UIDVALIDITY": v = st.uidValidity(); break;
                case "UNSEEN": v = st.unseen(); break;
                case "DELETED": v = st.deleted(); break;
                case "SIZE": v = st.size(); break;
                case "HIGHESTMODSEQ": v = st.highestModSeq(); break;
                default: v = 0;
            }
            out.add(n + " " + v);
        }
        return String.join(" ", out);
    }

    private Future<Void> quota() {
        return f(accounts.user(user)).compose(record -> f(mailboxes.quotaUsage(user)).map(usage -> {
            long limit = record.map(u -> u.quotaBytes()).orElse(0L);
            if (limit > 0) {
                // RFC 9208 §5: STORAGE in units of 1024 octets.
                client.write("* QUOTA \"\" (STORAGE " + (usage.bytes() + 1023) / 1024 + " " + limit / 1024 + ")\r\n");
            } else {
                client.write("* QUOTA \"\" ()\r\n");
            }
            return null;
        }));
    }

    // ---- select ----

    private Future<Void> select(Request r, boolean readOnly) {
        List<Token> a = r.args();
        if (a.isEmpty() || a.size() > 2) {
            throw new ImapParseException("SELECT takes a mailbox name and optional parameters");
        }
        if (a.size() == 2) {
            if (!(a.get(1) instanceof ListToken params)) {
                throw new ImapParseException("Invalid SELECT parameters");
            }
            List<Token> items = params.items();
            for (int k = 0; k < items.size(); k++) {
                String name = astring(items.get(k));
                if (name.equalsIgnoreCase("CONDSTORE")) {
                    condstore = true;
                } else if (name.equalsIgnoreCase("QRESYNC") && k + 1 < items.size()
                        && items.get(k + 1) instanceof ListToken q && q.items().size() >= 2) {
                    // RFC 7162 §3.2.5: (uidvalidity modseq [known-uids [seq-match]])
                    if (!qresync) {
                        throw new ImapParseException("QRESYNC must be enabled first");
                    }
                    resyncValidity = number(q.items().get(0));
                    resyncModSeq = number(q.items().get(1));
                    int next = 2;
                    if (q.items().size() > next && q.items().get(next) instanceof Atom known) {
                        resyncKnown = sequenceSet(known).resolve(Long.MAX_VALUE - 1);
                        next++;
                    }
                    if (q.items().size() > next && q.items().get(next) instanceof ListToken match) {
                        resyncMatch = seqMatch(match);
                        next++;
                    }
                    if (q.items().size() != next) {
                        throw new ImapParseException("Invalid QRESYNC parameter");
                    }
                    k++;
                } else {
                    throw new ImapParseException("Unsupported SELECT parameter " + name);
                }
            }
        }
        MailboxPath p = path(a.get(0));
        long qValidity = resyncValidity;
        long qModSeq = resyncModSeq;
        UidSet qKnown = resyncKnown;
        SeqMatch qMatch = resyncMatch;
        resyncValidity = -1;
        resyncModSeq = -1;
        resyncKnown = null;
        resyncMatch = null;
        if (selected != null && qresync) {
            // RFC 7162 §3.2.11: the previous mailbox is closed before the new one's responses.
            client.write("* OK [CLOSED] Previous mailbox closed\r\n");
        }
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
        selected = null;
        state = State.AUTHENTICATED;
        return f(mailboxes.find(user, p)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[NONEXISTENT] No such mailbox");
            }
            Mailbox m = found.get();
            return f(mailboxes.status(m.id())).compose(st -> uids(m, st).compose(list -> recentMark(m, readOnly,
                    st.uidNext() - 1).compose(recentAfter -> {
                selected = new SelectedMailbox(m, readOnly, list, st.highestModSeq(), st.uidNext());
                selected.addRecent(recentAfter, st.uidNext() - 1);
                state = State.SELECTED;
                changed = false;
                client.write("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $NotJunk)\r\n"
                        + "* OK [PERMANENTFLAGS (" + (readOnly ? "" : "\\Answered \\Flagged \\Deleted \\Seen \\Draft "
                        + "$Junk $NotJunk \\*") + ")] Flags permitted\r\n"
                        + "* " + list.length + " EXISTS\r\n"
                        + (utf8 ? "" : "* " + selected.recentCount() + " RECENT\r\n")
                        + "* OK [UIDVALIDITY " + st.uidValidity() + "] UIDs valid\r\n"
                        + "* OK [UIDNEXT " + st.uidNext() + "] Predicted next UID\r\n"
                        + "* OK [HIGHESTMODSEQ " + st.highestModSeq() + "] Highest\r\n"
                        + "* LIST () \"/\" " + name(m.path()) + "\r\n");
                if (qValidity < 0 || qValidity != st.uidValidity()) {
                    return ok(r, (readOnly ? "[READ-ONLY] EXAMINE" : "[READ-WRITE] SELECT") + " completed");
                }
                return f(mailboxes.changesSince(m.id(), qModSeq)).compose(changes -> {
                    StringBuilder out = new StringBuilder();
                    long matched = qMatch == null ? 0 : qMatch.matchedUpTo(selected);
                    List<Long> vanished = changes.vanished().stream()
                            .filter(u -> u > matched && (qKnown == null || qKnown.contains(u))).toList();
                    if (!vanished.isEmpty()) {
                        out.append("* VANISHED (EARLIER) ").append(SearchResult.renderSequence(vanished)).append("\r\n");
                    }
                    for (MessageRecord changedMessage : changes.changed()) {
                        int msn = selected.msn(changedMessage.uid());
                        if (msn > 0) {
                            out.append("* ").append(msn).append(" FETCH (UID ").append(changedMessage.uid())
                                    .append(" FLAGS ").append(flagsOf(selected, changedMessage)).append(" MODSEQ (")
                                    .append(changedMessage.modSeq()).append("))\r\n");
                        }
                    }
                    client.write(out.toString());
                    return ok(r, (readOnly ? "[READ-ONLY] EXAMINE" : "[READ-WRITE] SELECT") + " completed");
                });
            })));
        });
    }

    /**
     * Where \Recent starts for a new selection: IMAP4rev1 SELECT takes the messages up to
     * {@code upto} that no session has seen as recent; EXAMINE shows them without taking them (RFC
     * 3501 §6.3.2); IMAP4rev2 has no \Recent (RFC 9051 Appendix E).
     */
    private Future<Long> recentMark(Mailbox m, boolean readOnly, long upto) {
        if (utf8) {
            return Future.succeededFuture(upto);
        }
        return f(mailboxes.claimRecent(m.id(), readOnly ? 0 : upto));
    }

    /**
     * RFC 7162 §3.2.5.2 seq-match-data: message numbers the client had and the UIDs it had for them,
     * paired in ascending order.
     */
    record SeqMatch(UidSet msns, UidSet uids) {

        /**
         * The UID of the last pair, before the first that differs, whose message number still names
         * that UID: no message below it can have been expunged without the client seeing it, so
         * VANISHED (EARLIER) leaves out UIDs up to it. 0 when the first pair differs already.
         */
        long matchedUpTo(SelectedMailbox s) {
            long matched = 0;
            Iterator<Long> u = elements(uids);
            for (Iterator<Long> n = elements(msns); n.hasNext() && u.hasNext(); ) {
                long msn = n.next();
                long uid = u.next();
                if (msn < 1 || msn > s.count() || s.uid((int) msn) != uid) {
                    break;
                }
                matched = uid;
            }
            return matched;
        }

        static long size(UidSet set) {
            long n = 0;
            for (UidSet.Range r : set.ranges()) {
                n += r.last() - r.first() + 1;
            }
            return n;
        }

        /** The set's numbers in ascending order, without expanding it. */
        private static Iterator<Long> elements(UidSet set) {
            Iterator<UidSet.Range> ranges = set.ranges().iterator();
            return new Iterator<>() {
                private long next;
                private long last = -1;

                @Override
                public boolean hasNext() {
                    while (next > last && ranges.hasNext()) {
                        UidSet.Range r = ranges.next();
                        next = r.first();
                        last = r.last();
                    }
                    return next <= last;
                }

                @Override
                public Long next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return next++;
                }
            };
        }
    }

    private SeqMatch seqMatch(ListToken match) {
        if (match.items().size() != 2 || !(match.items().get(0) instanceof Atom msns)
                || !(match.items().get(1) instanceof Atom uids)) {
            throw new ImapParseException("seq-match-data is (known-sequence-set known-uid-set)");
        }
        SeqMatch m = new SeqMatch(sequenceSet(msns).resolve(Long.MAX_VALUE - 1),
                sequenceSet(uids).resolve(Long.MAX_VALUE - 1));
        // RFC 7162 §3.2.5.2: the two sets pair up, so they hold as many numbers each.
        if (SeqMatch.size(m.msns()) != SeqMatch.size(m.uids())) {
            throw new ImapParseException("seq-match-data sets differ in size");
        }
        return m;
    }

    /** The mailbox's UIDs in the state {@code status} describes, shared with other sessions when cached. */
    private Future<long[]> uids(Mailbox m, MailboxStatus status) {
        long[] cached = snapshots.get(m.id(), status.highestModSeq());
        if (cached != null) {
            return Future.succeededFuture(cached);
        }
        return f(mailboxes.messages(m.id(), UidSet.ALL)).map(list -> {
            long[] uids = list.stream().mapToLong(MessageRecord::uid).toArray();
            // Only a list no later than the status is the state of that HIGHESTMODSEQ.
            if (uids.length == status.messages() && (uids.length == 0 || uids[uids.length - 1] < status.uidNext())) {
                snapshots.put(m.id(), status.highestModSeq(), uids);
            }
            return uids;
        });
    }

    // ---- changes from other sessions (RFC 9051 §7.5.1) ----

    private void onEvent(MailboxEvent e) {
        if (selected == null || !e.mailbox().equals(selected.mailbox.id())) {
            return;
        }
        changed = true;
        if (idling) {
            notifyChanges(true);
        }
    }

    /**
     * New messages in a read-write IMAP4rev1 selection: those no other session has seen become
     * \Recent here; returns the RECENT response to send after EXISTS (RFC 3501 §7.3.2), or "".
     */
    private Future<String> newlyRecent(SelectedMailbox s, boolean grew) {
        if (!grew || utf8 || s.readOnly) {
            return Future.succeededFuture("");
        }
        long upto = s.maxUid();
        return f(mailboxes.claimRecent(s.mailbox.id(), upto)).map(after -> {
            if (upto <= after) {
                return "";
            }
            s.addRecent(after, upto);
            return "* " + s.recentCount() + " RECENT\r\n";
        });
    }

    /** Sends what changed in the selected mailbox since this session last looked. */
    private Future<Void> notifyChanges(boolean expunges) {
        SelectedMailbox s = selected;
        if (s == null || !changed) {
            return Future.succeededFuture();
        }
        changed = false;
        return f(mailboxes.changesSince(s.mailbox.id(), s.highestModSeq)).compose(changes -> {
            if (s != selected) {
                return Future.<Void>succeededFuture();
            }
            StringBuilder out = new StringBuilder();
            if (expunges) {
                expunged(s, changes.vanished(), out);
            } else if (!changes.vanished().isEmpty()) {
                changed = true;
            }
            int before = s.count();
            List<MessageRecord> flagChanges = new ArrayList<>();
            for (MessageRecord m : changes.changed()) {
                if (s.msn(m.uid()) > 0) {
                    flagChanges.add(m);
                } else if (m.uid() > s.maxUid()) {
                    // New: UIDs only grow (ARCHITECTURE.md §4.3), so a lower one is an expunged message.
                    s.add(m.uid());
                }
            }
            if (s.count() != before) {
                out.append("* ").append(s.count()).append(" EXISTS\r\n");
            }
            if (expunges || changes.vanished().isEmpty()) {
                s.highestModSeq = Math.max(s.highestModSeq, changes.highestModSeq());
            }
            return newlyRecent(s, s.count() != before).map(recent -> {
                out.append(recent);
                for (MessageRecord m : flagChanges) {
                    out.append("* ").append(s.msn(m.uid())).append(" FETCH (FLAGS ").append(flagsOf(s, m))
                            .append(condstore ? " MODSEQ (" + m.modSeq() + ")" : "").append(" UID ").append(m.uid())
                            .append(")\r\n");
                }
                if (out.length() > 0 && s == selected) {
                    client.write(out.toString());
                }
                return null;
            });
        });
    }

    /**
     * Removes expunged UIDs from the view and reports them: {@code * n EXPUNGE} each, or once QRESYNC
     * is enabled one {@code * VANISHED uid-set} (RFC 7162 §3.2.10).
     */
    private void expunged(SelectedMailbox s, List<Long> uids, StringBuilder out) {
        List<Long> gone = new ArrayList<>();
        for (long uid : uids) {
            int msn = s.remove(uid);
            if (msn > 0) {
                gone.add(uid);
                if (!qresync) {
                    out.append("* ").append(msn).append(" EXPUNGE\r\n");
                }
            }
        }
        if (qresync && !gone.isEmpty()) {
            out.append("* VANISHED ").append(SearchResult.renderSequence(gone)).append("\r\n");
        }
    }

    private void publish(Mailbox m, MailboxEvent.Kind kind, long uid, long modSeq) {
        try {
            events.publish(new MailboxEvent(user, m.id(), kind, uid, modSeq));
        } catch (RuntimeException e) {
            LOG.warn("[imap {}] could not publish a mailbox event: {}", id, e.toString());
        }
    }

    private void publishMailboxChange() {
        try {
            events.publish(new MailboxEvent(user, new io.yubin.store.MailboxId("0"), MailboxEvent.Kind.MAILBOX_CHANGED,
                    0, 0));
        } catch (RuntimeException e) {
            LOG.warn("[imap {}] could not publish a mailbox event: {}", id, e.toString());
        }
    }

    private Future<Void> idle(Request r) {
        idling = true;
        client.write("+ idling\r\n");
        return notifyChanges(true).compose(v -> client.readLine()).compose(line -> {
            idling = false;
            if (!line.equalsIgnoreCase("DONE")) {
                return bad(r.tag(), "Expected DONE", null);
            }
            return notifyChanges(true).compose(v -> ok(r, "IDLE terminated"));
        }, failure -> {
            idling = false;
            return Future.succeededFuture();
        });
    }

    // ---- messages ----

    static String flags(Flags flags) {
        return flags(flags, false);
    }

    /** A FLAGS list; \Recent is a session flag (RFC 3501 §2.3.2), never stored. */
    static String flags(Flags flags, boolean recent) {
        String stored = String.join(" ", flags.toStrings());
        return "(" + (recent ? (stored.isEmpty() ? "\\Recent" : "\\Recent " + stored) : stored) + ")";
    }

    /** FLAGS of a selected message as this session shows them. */
    private String flagsOf(SelectedMailbox s, MessageRecord m) {
        return flags(m.flags(), s.isRecent(m.uid()));
    }

    private Flags parseFlags(Token t) {
        List<String> names = new ArrayList<>();
        if (t instanceof ListToken list) {
            for (Token f : list.items()) {
                names.add(astring(f));
            }
        } else {
            names.add(astring(t));
        }
        for (String n : names) {
            if (n.equalsIgnoreCase("\\Recent") || n.equals("\\*")) {
                throw new ImapParseException("Cannot set " + n);
            }
        }
        try {
            return Flags.of(names);
        } catch (IllegalArgumentException e) {
            throw new ImapParseException("Invalid flag: " + e.getMessage());
        }
    }

    private Future<Void> expunge(Request r, UidSet uids) {
        SelectedMailbox s = selected;
        if (s.readOnly) {
            throw new No("[READ-ONLY] Mailbox is read-only");
        }
        return f(mailboxes.expunge(s.mailbox.id(), uids, true)).compose(removed -> {
            StringBuilder out = new StringBuilder();
            expunged(s, removed, out);
            for (long uid : removed) {
                publish(s.mailbox, MailboxEvent.Kind.EXPUNGED, uid, 0);
            }
            client.write(out.toString());
            return ok(r, "EXPUNGE completed");
        });
    }

    private Future<Void> store(Request r, List<Token> a, boolean uid) {
        SelectedMailbox s = selected;
        if (a.size() < 3) {
            throw new ImapParseException("STORE takes a sequence set, an item and flags");
        }
        UidSet set = sequence(a.get(0), uid);
        int i = 1;
        long unchangedSince = -1;
        if (a.get(1) instanceof ListToken modifiers) {
            // RFC 7162 §3.1.3 UNCHANGEDSINCE
            if (modifiers.items().size() != 2 || !astring(modifiers.items().get(0)).equalsIgnoreCase("UNCHANGEDSINCE")) {
                throw new ImapParseException("Invalid STORE modifier");
            }
            unchangedSince = number(modifiers.items().get(1));
            condstore = true;
            i = 2;
        }
        if (a.size() != i + 2) {
            throw new ImapParseException("STORE takes a sequence set, an item and flags");
        }
        String item = astring(a.get(i)).toUpperCase(Locale.ROOT);
        boolean silent = item.endsWith(".SILENT");
        String op = silent ? item.substring(0, item.length() - 7) : item;
        FlagOperation operation;
        switch (op) {
            case "FLAGS": operation = FlagOperation.REPLACE; break;
            case "+FLAGS": operation = FlagOperation.ADD; break;
            case "-FLAGS": operation = FlagOperation.REMOVE; break;
            default: throw new ImapParseException("Unknown STORE item " + item);
        }
        Flags flags = parseFlags(a.get(i + 1));
        if (s.readOnly) {
            throw new No("[READ-ONLY] Mailbox is read-only");
        }
        List<Long> targets = s.resolve(set, uid);
        if (targets.isEmpty()) {
            return notifyChanges(uid).compose(v -> ok(r, "STORE completed"));
        }
        UidSet uids = UidSet.ofUids(targets);
        long since = unchangedSince;
        return f(mailboxes.updateFlags(s.mailbox.id(), uids, operation, flags, since)).compose(update -> {
            StringBuilder out = new StringBuilder();
            for (MessageRecord m : update.changed()) {
                s.highestModSeq = Math.max(s.highestModSeq, m.modSeq());
                int msn = s.msn(m.uid());
                if (msn > 0 && (!silent || since >= 0)) {
                    out.append("* ").append(msn).append(" FETCH (").append(silent ? "" : "FLAGS " + flagsOf(s, m))
                            .append(condstore ? (silent ? "" : " ") + "MODSEQ (" + m.modSeq() + ")" : "")
                            .append(uid ? " UID " + m.uid() : "").append(")\r\n");
                }
                publish(s.mailbox, MailboxEvent.Kind.FLAGS_CHANGED, m.uid(), m.modSeq());
            }
            client.write(out.toString());
            if (!update.modified().isEmpty()) {
                List<Long> numbers = new ArrayList<>();
                for (long u : update.modified()) {
                    numbers.add(uid ? u : s.msn(u));
                }
                return ok(r, "[MODIFIED " + SearchResult.renderSequence(numbers) + "] Conditional STORE failed for some messages");
            }
            return ok(r, "STORE completed");
        });
    }

    private static long number(Token t) {
        try {
            long n = Long.parseLong(astring(t));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ImapParseException("Expected a number");
        }
    }

    private Future<Void> copy(Request r, List<Token> a, boolean uid, boolean move) {
        args(a, 2);
        SelectedMailbox s = selected;
        UidSet set = sequence(a.get(0), uid);
        MailboxPath target = path(a.get(1));
        if (move && s.readOnly) {
            throw new No("[READ-ONLY] Mailbox is read-only");
        }
        List<Long> sources = s.resolve(set, uid);
        return f(mailboxes.find(user, target)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[TRYCREATE] No such mailbox");
            }
            if (sources.isEmpty()) {
                return ok(r, (move ? "MOVE" : "COPY") + " completed");
            }
            Mailbox to = found.get();
            UidSet uids = UidSet.ofUids(sources);
            CompletionStage<io.yubin.store.CopyResult> done = move ? mailboxes.move(s.mailbox.id(), uids, to.id())
                    : mailboxes.copy(s.mailbox.id(), uids, to.id());
            boolean fromJunk = s.mailbox.specialUse().contains(SpecialUse.JUNK);
            boolean toJunk = to.specialUse().contains(SpecialUse.JUNK);
            return f(done).compose(result -> {
                for (long u : result.targetUids()) {
                    publish(to, MailboxEvent.Kind.APPENDED, u, 0);
                    // Training events for the spam filter: into Junk is "spam", out of it "not spam".
                    if (toJunk && !fromJunk) {
                        publish(to, MailboxEvent.Kind.MARKED_JUNK, u, 0);
                    } else if (fromJunk && !toJunk && move) {
                        publish(to, MailboxEvent.Kind.MARKED_NOT_JUNK, u, 0);
                    }
                }
                String copyUid = result.sourceUids().isEmpty() ? "" : "[COPYUID " + result.targetUidValidity() + " "
                        + SearchResult.renderSequence(result.sourceUids()) + " " + SearchResult.renderSequence(result.targetUids()) + "] ";
                if (!move) {
                    return ok(r, copyUid + "COPY completed");
                }
                // RFC 6851 §4.3: COPYUID comes untagged, before the EXPUNGEs.
                StringBuilder out = new StringBuilder();
                if (!copyUid.isEmpty()) {
                    out.append("* OK ").append(copyUid.trim()).append(" Moved\r\n");
                }
                expunged(s, result.sourceUids(), out);
                for (long u : result.sourceUids()) {
                    publish(s.mailbox, MailboxEvent.Kind.EXPUNGED, u, 0);
                }
                client.write(out.toString());
                return ok(r, "MOVE completed");
            });
        });
    }

    // ---- APPEND (RFC 9051 §6.3.12, RFC 4315 APPENDUID) ----

    private Future<Void> append(Request r) {
        List<Token> a = r.args();
        if (a.size() < 2 || a.size() > 4) {
            throw new ImapParseException("APPEND takes a mailbox, optional flags and date, and a message");
        }
        MailboxPath p = path(a.get(0));
        Flags flags = Flags.NONE;
        Instant date = Instant.now();
        int i = 1;
        if (a.get(i) instanceof ListToken) {
            flags = parseFlags(a.get(i));
            i++;
        }
        if (i < a.size() - 1) {
            try {
                date = ZonedDateTime.parse(astring(a.get(i)).trim(), APPEND_DATE).toInstant();
            } catch (DateTimeParseException e) {
                throw new ImapParseException("Invalid date-time");
            }
            i++;
        }
        if (i != a.size() - 1 || !(a.get(i) instanceof Str || a.get(i) instanceof ImapParser.Spooled)) {
            throw new ImapParseException("APPEND needs the message as a literal");
        }
        // A large message was written to a temporary file as it arrived (the connection deletes it
        // after this command); a small one is at hand.
        Supplier<Future<InputStream>> content = a.get(i) instanceof Str body
                ? () -> Future.succeededFuture(new ByteArrayInputStream(body.octets()))
                : () -> ((ImapParser.Spooled) a.get(a.size() - 1)).literal().finish()
                        .map(v -> ((ImapParser.Spooled) a.get(a.size() - 1)).literal().inputStream());
        Flags initial = flags;
        Instant internalDate = date;
        return f(mailboxes.find(user, p)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[TRYCREATE] No such mailbox");
            }
            Mailbox m = found.get();
            return content.get().compose(in -> f(storage.blobs().put(in))).compose(blob -> f(mailboxes.append(m.id(),
                    new NewMessage(blob, internalDate, initial, null))).recover(failure -> {
                        if (!definitelyNotAppended(failure)) {
                            // Maybe appended after all (a timeout): the blob may be referenced, keep it.
                            return Future.failedFuture(failure);
                        }
                        // Never referenced: nothing may keep it (ARCHITECTURE.md §4.4).
                        return f(storage.blobs().delete(blob.id())).transform(d -> Future.failedFuture(failure));
                    })).compose(result -> {
                        publish(m, MailboxEvent.Kind.APPENDED, result.uid(), result.modSeq());
                        if (selected != null && selected.mailbox.id().equals(m.id())) {
                            changed = true;
                        }
                        return notifyChanges(false).compose(v -> ok(r, "[APPENDUID " + result.uidValidity() + " "
                                + result.uid() + "] APPEND completed"));
                    });
        });
    }

    /** A refusal by the store (mailbox gone, invalid, over quota), as opposed to an outcome not known. */
    private static boolean definitelyNotAppended(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        return t instanceof StoreException e && e.kind() != StoreException.Kind.UNAVAILABLE;
    }

    // ---- FETCH ----

    private Future<Void> fetch(Request r, List<Token> a, boolean uid) {
        if (a.size() < 2 || a.size() > 3) {
            throw new ImapParseException("FETCH takes a sequence set and items");
        }
        SelectedMailbox s = selected;
        UidSet set = sequence(a.get(0), uid);
        List<String> items = new ArrayList<>();
        if (a.get(1) instanceof ListToken list) {
            for (Token t : list.items()) {
                items.add(astring(t));
            }
        } else {
            String single = astring(a.get(1)).toUpperCase(Locale.ROOT);
            switch (single) {
                case "ALL": items.addAll(List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE")); break;
                case "FAST": items.addAll(List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE")); break;
                case "FULL": items.addAll(List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY")); break;
                default: items.add(astring(a.get(1)));
            }
        }
        long changedSince = -1;
        boolean vanished = false;
        if (a.size() == 3) {
            // RFC 7162 §3.1.4 CHANGEDSINCE, §3.2.6 VANISHED (UID FETCH only, with QRESYNC enabled)
            if (!(a.get(2) instanceof ListToken mods) || mods.items().size() < 2
                    || !astring(mods.items().get(0)).equalsIgnoreCase("CHANGEDSINCE")) {
                throw new ImapParseException("Invalid FETCH modifier");
            }
            changedSince = number(mods.items().get(1));
            if (mods.items().size() == 3 && astring(mods.items().get(2)).equalsIgnoreCase("VANISHED")) {
                if (!uid || !qresync) {
                    throw new ImapParseException("VANISHED needs UID FETCH and QRESYNC enabled");
                }
                vanished = true;
            } else if (mods.items().size() != 2) {
                throw new ImapParseException("Invalid FETCH modifier");
            }
            condstore = true;
        }
        List<ImapMessages.Item> parsed = ImapMessages.parseItems(items);
        if (uid) {
            parsed = ImapMessages.withUid(parsed);
        }
        if (condstore && changedSince >= 0) {
            parsed = ImapMessages.withModSeq(parsed);
        }
        long since = changedSince;
        List<Long> inView = s.resolve(set, uid);
        boolean[] expunged = {false};
        Future<List<MessageRecord>> records = inView.isEmpty() ? Future.succeededFuture(List.of())
                : f(mailboxes.messages(s.mailbox.id(), UidSet.ofUids(inView))).map(list -> {
                    // Messages this session still shows that another session has expunged.
                    expunged[0] = list.size() < inView.size();
                    return list.stream().filter(m -> m.modSeq() > since).toList();
                });
        List<ImapMessages.Item> wanted = parsed;
        Future<Void> earlier = !vanished ? Future.succeededFuture()
                : f(mailboxes.changesSince(s.mailbox.id(), since)).map(changes -> {
                    List<Long> gone = changes.vanished().stream().filter(set::contains).toList();
                    if (!gone.isEmpty()) {
                        client.write("* VANISHED (EARLIER) " + SearchResult.renderSequence(gone) + "\r\n");
                    }
                    return null;
                });
        return earlier.compose(e -> records).compose(targets -> messages.fetch(s, targets, wanted, condstore, client))
                .compose(outcome -> {
            expunged[0] |= outcome.expunged();
            List<Long> seen = outcome.seen();
            if (seen.isEmpty() || s.readOnly) {
                return Future.succeededFuture();
            }
            // RFC 9051 §6.4.5: BODY[] without PEEK sets \Seen.
            return f(mailboxes.updateFlags(s.mailbox.id(), UidSet.ofUids(seen), FlagOperation.ADD,
                    Flags.of(io.yubin.model.SystemFlag.SEEN), -1)).map(update -> {
                        StringBuilder out = new StringBuilder();
                        for (MessageRecord m : update.changed()) {
                            s.highestModSeq = Math.max(s.highestModSeq, m.modSeq());
                            out.append("* ").append(s.msn(m.uid())).append(" FETCH (FLAGS ").append(flagsOf(s, m))
                                    .append(uid ? " UID " + m.uid() : "").append(")\r\n");
                            publish(s.mailbox, MailboxEvent.Kind.FLAGS_CHANGED, m.uid(), m.modSeq());
                        }
                        client.write(out.toString());
                        return null;
                    });
        }).compose(v -> notifyChanges(uid)).compose(v -> {
            if (expunged[0]) {
                // RFC 5530: some of the messages were expunged by another session meanwhile.
                throw new No("[EXPUNGEISSUED] Some of the requested messages no longer exist");
            }
            return ok(r, "FETCH completed");
        });
    }

    // ---- SEARCH (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SEARCHRES) ----

    private Future<Void> search(Request r, List<Token> a, boolean uid) {
        SelectedMailbox s = selected;
        int i = 0;
        List<String> returns = null;
        if (i < a.size() && a.get(i) instanceof Atom ret && ret.value().equalsIgnoreCase("RETURN")) {
            if (i + 1 >= a.size() || !(a.get(i + 1) instanceof ListToken opts)) {
                throw new ImapParseException("RETURN takes a list");
            }
            returns = new ArrayList<>();
            for (Token t : opts.items()) {
                returns.add(astring(t).toUpperCase(Locale.ROOT));
            }
            if (returns.isEmpty()) {
                returns.add("ALL");
            }
            i += 2;
        }
        if (i < a.size() && a.get(i) instanceof Atom cs && cs.value().equalsIgnoreCase("CHARSET")) {
            if (i + 1 >= a.size()) {
                throw new ImapParseException("CHARSET takes a name");
            }
            String charset = astring(a.get(i + 1));
            if (!charset.equalsIgnoreCase("UTF-8") && !charset.equalsIgnoreCase("US-ASCII")) {
                throw new No("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            }
            i += 2;
        }
        if (i >= a.size()) {
            throw new ImapParseException("SEARCH needs at least one key");
        }
        List<SearchKey> keys = new ArrayList<>();
        int[] pos = {i};
        while (pos[0] < a.size()) {
            keys.add(searchKey(a, pos, 0));
        }
        SearchKey program = keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
        List<String> ret = returns;
        boolean usesModSeq = program.toString().contains("ModSeq[");
        SearchEvaluator evaluator = new SearchEvaluator(s.count(), s.maxUid(), savedResult, ZoneId.systemDefault());
        return messages.search(s, program, evaluator).compose(found -> {
            List<Long> uids = found.stream().map(MessageRecord::uid).toList();
            List<Long> numbers = new ArrayList<>();
            for (MessageRecord m : found) {
                numbers.add(uid ? m.uid() : s.msn(m.uid()));
            }
            long maxModSeq = found.stream().mapToLong(MessageRecord::modSeq).max().orElse(0);
            if (ret == null) {
                StringBuilder out = new StringBuilder("* SEARCH");
                for (long n : numbers) {
                    out.append(' ').append(n);
                }
                if (usesModSeq && !numbers.isEmpty()) {
                    out.append(" (MODSEQ ").append(maxModSeq).append(')');
                }
                client.write(out.append("\r\n").toString());
            } else {
                if (ret.contains("SAVE")) {
                    savedResult = uids;
                }
                StringBuilder out = new StringBuilder("* ESEARCH (TAG ").append(quoted(r.tag())).append(')');
                if (uid) {
                    out.append(" UID");
                }
                if (!numbers.isEmpty()) {
                    if (ret.contains("MIN")) {
                        out.append(" MIN ").append(numbers.get(0));
                    }
                    if (ret.contains("MAX")) {
                        out.append(" MAX ").append(numbers.get(numbers.size() - 1));
                    }
                    if (ret.contains("ALL")) {
                        out.append(" ALL ").append(SearchResult.renderSequence(numbers));
                    }
                }
                if (ret.contains("COUNT")) {
                    out.append(" COUNT ").append(numbers.size());
                }
                if (usesModSeq && !numbers.isEmpty()) {
                    out.append(" MODSEQ ").append(maxModSeq);
                }
                if (!(ret.size() == 1 && ret.contains("SAVE"))) {
                    client.write(out.append("\r\n").toString());
                }
            }
            return notifyChanges(uid).compose(v -> ok(r, "SEARCH completed"));
        });
    }

    /** RFC 5256: SORT (criteria) charset search-keys. */
    private Future<Void> sort(Request r, List<Token> a, boolean uid) {
        if (a.size() < 3 || !(a.get(0) instanceof ListToken criteria) || criteria.items().isEmpty()) {
            throw new ImapParseException("SORT takes (criteria), a charset and search keys");
        }
        List<io.yubin.imap.search.SortKey> keys = new ArrayList<>();
        boolean reverse = false;
        for (Token t : criteria.items()) {
            String c = astring(t).toUpperCase(Locale.ROOT);
            if (c.equals("REVERSE")) {
                reverse = true;
                continue;
            }
            try {
                keys.add(new io.yubin.imap.search.SortKey(io.yubin.imap.search.SortCriterion.valueOf(c), reverse));
            } catch (IllegalArgumentException e) {
                throw new ImapParseException("Unknown sort criterion " + c);
            }
            reverse = false;
        }
        if (reverse) {
            throw new ImapParseException("REVERSE must precede a criterion");
        }
        SearchKey program = program(a, 1);
        SelectedMailbox s = selected;
        SearchEvaluator evaluator = new SearchEvaluator(s.count(), s.maxUid(), savedResult, ZoneId.systemDefault());
        return messages.sort(s, program, evaluator, keys).compose(sorted -> {
            StringBuilder out = new StringBuilder("* SORT");
            for (MessageRecord m : sorted) {
                out.append(' ').append(uid ? m.uid() : s.msn(m.uid()));
            }
            client.write(out.append("\r\n").toString());
            return notifyChanges(uid).compose(v -> ok(r, "SORT completed"));
        });
    }

    /** RFC 5256: THREAD algorithm charset search-keys. */
    private Future<Void> thread(Request r, List<Token> a, boolean uid) {
        if (a.size() < 3) {
            throw new ImapParseException("THREAD takes an algorithm, a charset and search keys");
        }
        io.yubin.imap.search.Threader.Algorithm algorithm;
        try {
            algorithm = io.yubin.imap.search.Threader.Algorithm.valueOf(astring(a.get(0)).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ImapParseException("Unsupported threading algorithm " + astring(a.get(0)));
        }
        SearchKey program = program(a, 1);
        SelectedMailbox s = selected;
        SearchEvaluator evaluator = new SearchEvaluator(s.count(), s.maxUid(), savedResult, ZoneId.systemDefault());
        return messages.threads(s, program, evaluator, algorithm, uid).compose(threads -> {
            client.write("* THREAD" + (threads.isEmpty() ? "" : " " + threads) + "\r\n");
            return notifyChanges(uid).compose(v -> ok(r, "THREAD completed"));
        });
    }

    /** A charset (UTF-8 or US-ASCII) at {@code from}, then search keys to the end. */
    private SearchKey program(List<Token> a, int from) {
        String charset = astring(a.get(from));
        if (!charset.equalsIgnoreCase("UTF-8") && !charset.equalsIgnoreCase("US-ASCII")) {
            throw new No("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
        }
        List<SearchKey> keys = new ArrayList<>();
        int[] pos = {from + 1};
        while (pos[0] < a.size()) {
            keys.add(searchKey(a, pos, 0));
        }
        return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
    }

    private SearchKey searchKey(List<Token> a, int[] pos, int depth) {
        if (depth > options.limits().maxNesting()) {
            throw new ImapParseException("Search program too deeply nested");
        }
        Token t = a.get(pos[0]++);
        if (t instanceof ListToken list) {
            List<SearchKey> keys = new ArrayList<>();
            int[] inner = {0};
            while (inner[0] < list.items().size()) {
                keys.add(searchKey(list.items(), inner, depth + 1));
            }
            if (keys.isEmpty()) {
                throw new ImapParseException("Empty search list");
            }
            return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
        }
        String word = astring(t);
        String k = word.toUpperCase(Locale.ROOT);
        switch (k) {
            case "ALL": return new SearchKey.All();
            case "ANSWERED": return new SearchKey.Flag("\\Answered", true);
            case "DELETED": return new SearchKey.Flag("\\Deleted", true);
            case "DRAFT": return new SearchKey.Flag("\\Draft", true);
            case "FLAGGED": return new SearchKey.Flag("\\Flagged", true);
            case "SEEN": return new SearchKey.Flag("\\Seen", true);
            case "UNANSWERED": return new SearchKey.Flag("\\Answered", false);
            case "UNDELETED": return new SearchKey.Flag("\\Deleted", false);
            case "UNDRAFT": return new SearchKey.Flag("\\Draft", false);
            case "UNFLAGGED": return new SearchKey.Flag("\\Flagged", false);
            case "UNSEEN": return new SearchKey.Flag("\\Seen", false);
            case "RECENT": return new SearchKey.Recent(true);
            case "OLD": return new SearchKey.Recent(false);
            case "NEW": return new SearchKey.And(List.of(new SearchKey.Recent(true), new SearchKey.Flag("\\Seen", false)));
            case "KEYWORD": return new SearchKey.Flag(astring(arg(a, pos)), true);
            case "UNKEYWORD": return new SearchKey.Flag(astring(arg(a, pos)), false);
            case "LARGER": return new SearchKey.Size(true, number(arg(a, pos)));
            case "SMALLER": return new SearchKey.Size(false, number(arg(a, pos)));
            case "BEFORE": return new SearchKey.InternalDate(SearchKey.DateComparison.BEFORE, date(arg(a, pos)));
            case "ON": return new SearchKey.InternalDate(SearchKey.DateComparison.ON, date(arg(a, pos)));
            case "SINCE": return new SearchKey.InternalDate(SearchKey.DateComparison.SINCE, date(arg(a, pos)));
            case "SENTBEFORE": return new SearchKey.SentDate(SearchKey.DateComparison.BEFORE, date(arg(a, pos)));
            case "SENTON": return new SearchKey.SentDate(SearchKey.DateComparison.ON, date(arg(a, pos)));
            case "SENTSINCE": return new SearchKey.SentDate(SearchKey.DateComparison.SINCE, date(arg(a, pos)));
            case "FROM": case "TO": case "CC": case "BCC": case "SUBJECT":
                return new SearchKey.Header(k, astring(arg(a, pos)));
            case "HEADER": {
                String field = astring(arg(a, pos)).toUpperCase(Locale.ROOT);
                return new SearchKey.Header(field, astring(arg(a, pos)));
            }
            case "BODY": return new SearchKey.Body(astring(arg(a, pos)));
            case "TEXT": return new SearchKey.Text(astring(arg(a, pos)));
            case "NOT": return new SearchKey.Not(searchKey(a, pos, depth + 1));
            case "OR": {
                SearchKey left = searchKey(a, pos, depth + 1);
                return new SearchKey.Or(left, searchKey(a, pos, depth + 1));
            }
            case "UID": {
                Token set = arg(a, pos);
                return new SearchKey.Sequence(sequenceSet(set), true);
            }
            case "MODSEQ": {
                Token next = arg(a, pos);
                if (next instanceof Str || (next instanceof Atom at && !at.value().chars().allMatch(Character::isDigit))) {
                    // RFC 7162 §3.1.5: entry-name and entry-type-req precede the value.
                    arg(a, pos);
                    next = arg(a, pos);
                }
                condstore = true;
                return new SearchKey.ModSeq(number(next));
            }
            default:
                if (t instanceof Atom && SEQUENCE.matcher(word).matches()) {
                    return new SearchKey.Sequence(sequenceSet(t), false);
                }
                throw new ImapParseException("Unknown search key " + word);
        }
    }

    private static Token arg(List<Token> a, int[] pos) {
        if (pos[0] >= a.size()) {
            throw new ImapParseException("Search key needs an argument");
        }
        return a.get(pos[0]++);
    }

    private static SequenceSet sequenceSet(Token t) {
        try {
            return SequenceSet.parse(astring(t));
        } catch (IllegalArgumentException e) {
            throw new ImapParseException(e.getMessage());
        }
    }

    private static java.time.LocalDate date(Token t) {
        try {
            return java.time.LocalDate.parse(astring(t), SEARCH_DATE);
        } catch (DateTimeParseException e) {
            throw new ImapParseException("Invalid date (d-Mon-yyyy)");
        }
    }

    static String internalDate(Instant instant) {
        return "\"" + INTERNALDATE.format(instant.atZone(ZoneOffset.UTC)) + "\"";
    }

}
