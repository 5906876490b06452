package io.yubin.imap;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Atom;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Nil;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Str;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.search.SearchResult;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.Accounts;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.UidSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP session as the state machine of RFC 9051 §3: NOT_AUTHENTICATED, AUTHENTICATED after a
 * login, SELECTED with a mailbox open, LOGOUT. The session holds the state and dispatches; each
 * command family reads alone in its own class ({@link SelectCommand}, {@link FetchCommand},
 * {@link StoreCommand}, {@link SearchCommand}, {@link ListCommand}, ...). Commands run one at a time;
 * {@link #fail} is the one place that maps failures to responses, and {@link #ok} the one place
 * that tells the client of the selected mailbox's changes before a tagged OK.
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
    private static final Pattern SEQUENCE = Pattern.compile("[0-9*:,$]+");

    final String id;
    final String clientAddress;
    final ImapServer.Options options;
    final boolean startTlsOffered;
    final Storage storage;
    final MailboxStore mailboxes;
    final Accounts accounts;
    final MailboxEvents events;
    final Context context;
    final Client client;
    final ImapMessages messages;
    final MessageSearch searcher;
    final UidSnapshots snapshots;

    State state = State.NOT_AUTHENTICATED;
    boolean tls;
    MailAddress user;
    AutoCloseable subscription;
    SelectedMailbox selected;
    /** IMAP4rev2 or UTF8=ACCEPT enabled (RFC 9051, RFC 6855): mailbox names and strings in UTF-8. */
    boolean utf8;
    /** IMAP4rev2 enabled (RFC 9051): no \Recent, SEARCH answered by ESEARCH, LIST in SELECT's answer. */
    boolean rev2;
    private boolean condstore;
    boolean qresync;
    private boolean compressed;
    /** The store may hold changes to the selected mailbox this session has not read (an event came). */
    boolean changed;
    boolean idling;
    private int badInARow;
    private boolean answeredBad;
    /** RFC 5182 SEARCHRES: the UIDs of the last SEARCH RETURN (SAVE). */
    List<Long> savedResult = List.of();
    /** Updates run one after the other (an IDLE event may come while one runs). */
    private Future<Void> updating = Future.succeededFuture();

    ImapSession(String id, String clientAddress, ImapServer.Options options, boolean tls, boolean startTlsOffered,
            Storage storage, Accounts accounts, MailboxEvents events, ImapServer.Workers workers, Context context,
            Client client, ImapCaches caches) {
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
        this.messages = new ImapMessages(storage, workers.bodies(), context);
        this.searcher = new MessageSearch(storage, workers.bodies(), workers.searches(), context, caches.headers());
        this.snapshots = caches.snapshots();
    }

    String greeting() {
        return "* OK [CAPABILITY " + capabilities() + "] " + options.hostname() + " IMAP4rev2 server ready\r\n";
    }

    String capabilities() {
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
        c.append(" LITERAL+ ENABLE ID IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE CREATE-SPECIAL-USE BINARY"
                + " CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES LIST-EXTENDED LIST-STATUS STATUS=SIZE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE"
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
        answeredBad = false;
        if (refused.response().startsWith("BAD ")) {
            return bad(tag, refused.response().substring(4), refused.response());
        }
        client.write(tag + " " + refused.response() + "\r\n");
        badInARow = 0;
        return Future.succeededFuture();
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
        } catch (RuntimeException e) {
            done = Future.failedFuture(e);
        }
        return done.transform(ar -> ar.failed() ? fail(request.tag(), ar.cause()) : Future.<Void>succeededFuture())
                .onComplete(ar -> {
                    // RFC 9051 §7.1.5: only BADs in a row end the session; any other answer resets the count.
                    if (!answeredBad) {
                        badInARow = 0;
                    }
                });
    }

    /** A BAD response; too many in a row end the session (RFC 9051 §7.1.5 BYE). */
    Future<Void> bad(String tag, String text, String full) {
        badInARow++;
        answeredBad = true;
        client.write(tag + " " + (full != null ? full : "BAD " + text) + "\r\n");
        if (badInARow >= options.limits().maxBadCommands()) {
            return client.end("* BYE Too many invalid commands\r\n");
        }
        return Future.succeededFuture();
    }

    /** A failure as thrown, not the CompletionException a stage wraps it in. */
    static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** The one place failures become responses. */
    private Future<Void> fail(String tag, Throwable failure) {
        Throwable t = cause(failure);
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
                    // Not OVERQUOTA: that tells the user to make room, and the server's disk is not theirs.
                    client.write(tag + (StoreException.isStorageFull(e)
                            ? " NO [UNAVAILABLE] The server's storage is full, try again later\r\n"
                            : " NO [UNAVAILABLE] The mail store is unavailable, try again later\r\n"));
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

    <T> Future<T> f(CompletionStage<T> stage) {
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
                // RFC 9051 §6.1.2: the way to poll for updates; ok() reads the store.
                return ok(r, c + " completed");
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
                    return LoginCommand.login(this, r);
                case "AUTHENTICATE":
                    return LoginCommand.authenticate(this, r);
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
                return SelectCommand.select(this, r, c.equals("EXAMINE"));
            case "CREATE":
                return MailboxCommands.create(this, r);
            case "DELETE":
                args(a, 1);
                return f(mailboxes.delete(user, existingPath(a.get(0)))).compose(v -> {
                    publishMailboxChange();
                    return ok(r, "DELETE completed");
                });
            case "RENAME":
                args(a, 2);
                MailboxPath from = existingPath(a.get(0));
                MailboxPath to = path(a.get(1));
                return f(mailboxes.find(user, from)).compose(source -> source.isEmpty() || to.isDescendantOf(from)
                        // NONEXISTENT, or a name below itself: the store's answer, nothing created first
                        ? Future.<Void>succeededFuture() : MailboxCommands.createSuperiors(this, to))
                        .compose(v -> f(mailboxes.rename(user, from, to))).compose(v -> {
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
                return ListCommand.list(this, r, false);
            case "LSUB":
                return ListCommand.list(this, r, true);
            case "NAMESPACE":
                args(a, 0);
                client.write("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
                return ok(r, "NAMESPACE completed");
            case "STATUS":
                return MailboxCommands.status(this, r);
            case "APPEND":
                return AppendCommand.append(this, r);
            case "IDLE":
                args(a, 0);
                return IdleCommand.idle(this, r);
            case "GETQUOTAROOT":
                args(a, 1);
                MailboxPath quotaOf = existingPath(a.get(0));
                String mailbox = quoted(astring(a.get(0)));
                // RFC 9208 §4.3: NO for a mailbox that does not exist.
                return f(mailboxes.find(user, quotaOf)).compose(found -> {
                    if (found.isEmpty()) {
                        throw new No("[NONEXISTENT] No such mailbox");
                    }
                    return MailboxCommands.quotaRoots(this);
                }).compose(roots -> {
                    StringBuilder line = new StringBuilder("* QUOTAROOT ").append(mailbox);
                    roots.forEach(root -> line.append(' ').append(quoted(root)));
                    client.write(line.append("\r\n").toString());
                    Future<Void> each = Future.succeededFuture();
                    for (String root : roots) {
                        each = each.compose(v -> MailboxCommands.quota(this, root));
                    }
                    return each;
                }).compose(v -> ok(r, "GETQUOTAROOT completed"));
            case "GETQUOTA":
                args(a, 1);
                return MailboxCommands.quota(this, astring(a.get(0))).compose(v -> ok(r, "GETQUOTA completed"));
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
                return ExpungeCommand.close(this, r);
            case "UNSELECT":
                args(a, 0);
                selected = null;
                state = State.AUTHENTICATED;
                return ok(r, "UNSELECT completed");
            case "EXPUNGE":
                args(a, 0);
                return ExpungeCommand.expunge(this, r, UidSet.ALL);
            case "FETCH":
                return FetchCommand.fetch(this, r, a, false);
            case "STORE":
                return StoreCommand.store(this, r, a, false);
            case "COPY":
            case "MOVE":
                return CopyCommand.copy(this, r, a, false, c.equals("MOVE"));
            case "SEARCH":
                return SearchCommand.search(this, r, a, false);
            case "SORT":
                return SearchCommand.sort(this, r, a, false);
            case "THREAD":
                return SearchCommand.thread(this, r, a, false);
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
                return FetchCommand.fetch(this, r, rest, true);
            case "STORE":
                return StoreCommand.store(this, r, rest, true);
            case "COPY":
                return CopyCommand.copy(this, r, rest, true, false);
            case "MOVE":
                return CopyCommand.copy(this, r, rest, true, true);
            case "SEARCH":
                return SearchCommand.search(this, r, rest, true);
            case "SORT":
                return SearchCommand.sort(this, r, rest, true);
            case "THREAD":
                return SearchCommand.thread(this, r, rest, true);
            case "EXPUNGE":
                args(rest, 1);
                return ExpungeCommand.expunge(this, r, sequence(rest.get(0), true));
            default:
                throw new ImapParseException("Unknown UID command " + sub.value());
        }
    }

    /**
     * The tagged OK, after what the client may be told of the selected mailbox's changes. Every
     * command that may tell expunges reads the store first (events from other servers may lag), so
     * another session's change is told at the latest with this session's next such command; FETCH,
     * STORE and SEARCH by number tell only what events brought.
     */
    Future<Void> ok(Request r, String text) {
        boolean expunges = expungesAllowed(r);
        if (expunges && !r.command().equals("SELECT") && !r.command().equals("EXAMINE")) {
            changed = true;
        }
        return update(expunges).map(v -> {
            client.write(r.tag() + " OK " + text + "\r\n");
            return null;
        });
    }

    /**
     * RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH by sequence number (nor SORT
     * or THREAD, RFC 5256 §4), since the client's numbers would shift under it; UID forms may.
     */
    private static boolean expungesAllowed(Request r) {
        return switch (r.command()) {
            case "FETCH", "STORE", "SEARCH", "SORT", "THREAD" -> false;
            default -> true;
        };
    }

    // ---- ENABLE (RFC 5161) and CONDSTORE enabling (RFC 7162 §3.1) ----

    private Future<Void> enable(Request r) {
        if (r.args().isEmpty()) {
            // RFC 5161 §4: enable = "ENABLE" 1*(SP capability)
            throw new ImapParseException("ENABLE takes one or more capability names");
        }
        List<String> enabled = new ArrayList<>();
        for (Token t : r.args()) {
            // RFC 5161 §3.2: ENABLED names each extension this command enabled, as it is advertised.
            String cap = astring(t).toUpperCase(Locale.ROOT);
            if (cap.equals("IMAP4REV2") && !rev2) {
                rev2 = true;
                utf8 = true;
                enabled.add("IMAP4rev2");
            } else if (cap.equals("UTF8=ACCEPT") && !utf8) {
                utf8 = true;
                enabled.add("UTF8=ACCEPT");
            } else if (cap.equals("CONDSTORE") && !condstore) {
                enableCondstore();
                enabled.add("CONDSTORE");
            } else if (cap.equals("QRESYNC") && !qresync) {
                // RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE too.
                qresync = true;
                enableCondstore();
                enabled.add("QRESYNC");
            }
        }
        client.write("* ENABLED" + (enabled.isEmpty() ? "" : " " + String.join(" ", enabled)) + "\r\n");
        return ok(r, "ENABLE completed");
    }

    boolean condstore() {
        return condstore;
    }

    /**
     * A CONDSTORE enabling command (RFC 7162 §3.1): from now on every FETCH of a flag change carries
     * UID and MODSEQ; the first one with a mailbox selected tells its HIGHESTMODSEQ (§3.1.2.1).
     */
    void enableCondstore() {
        if (condstore) {
            return;
        }
        condstore = true;
        if (selected != null) {
            client.write("* OK [HIGHESTMODSEQ " + selected.highestModSeq + "] Highest\r\n");
        }
    }

    // ---- changes to the selected mailbox (RFC 9051 §7.5.1, §5.5) ----

    void onEvent(MailboxEvent e) {
        if (selected == null || !e.mailbox().equals(selected.mailbox.id())) {
            return;
        }
        if (e.kind() == MailboxEvent.Kind.EXPUNGED) {
            selected.expungedElsewhere(e.uid(), e.flags());
        }
        changed = true;
        if (idling) {
            update(true);
        }
    }

    /**
     * Events for this session may have been missed, or it is time for IDLE's periodic look: the next
     * update reads the store (at once while idling).
     */
    void recheck() {
        if (selected == null) {
            return;
        }
        changed = true;
        if (idling) {
            update(true);
        }
    }

    /**
     * Reads the store when something may have changed, then tells the client what it may be told
     * now: expunges (when {@code expunges}), new messages with EXISTS (and RECENT), keywords not yet
     * announced, and flag changes.
     */
    Future<Void> update(boolean expunges) {
        Future<Void> next = updating.transform(ar -> updateNow(expunges));
        updating = next;
        return next;
    }

    private Future<Void> updateNow(boolean expunges) {
        SelectedMailbox s = selected;
        if (s == null) {
            return Future.succeededFuture();
        }
        Future<Void> learned = Future.succeededFuture();
        if (changed) {
            changed = false;
            learned = f(mailboxes.changesSince(s.mailbox.id(), s.highestModSeq)).<Void>map(changes -> {
                s.learn(changes);
                return null;
            }).recover(failure -> gone(failure) ? Future.succeededFuture() : Future.failedFuture(failure));
        }
        return learned.compose(v -> {
            if (s != selected || !s.hasPending()) {
                return Future.succeededFuture();
            }
            StringBuilder out = new StringBuilder();
            if (expunges) {
                expunged(s, s.takeExpunges(), out);
            }
            int before = s.count();
            List<MessageRecord> arrived = s.takeNew();
            for (MessageRecord m : arrived) {
                s.add(m.uid());
            }
            if (s.count() != before) {
                out.append("* ").append(s.count()).append(" EXISTS\r\n");
            }
            List<MessageRecord> flagChanges = s.takeFlagChanges();
            List<MessageRecord> shown = new ArrayList<>(arrived);
            shown.addAll(flagChanges);
            String flagsAnnouncement = s.announce(shown);
            return newlyRecent(s, s.count() != before).map(recent -> {
                out.append(recent).append(flagsAnnouncement);
                for (MessageRecord m : flagChanges) {
                    out.append(flagChange(s, m, true));
                }
                if (out.length() > 0 && s == selected) {
                    client.write(out.toString());
                }
                return null;
            });
        });
    }

    /** The selected mailbox was deleted (here or elsewhere): nothing more to learn of it. */
    private static boolean gone(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        return t instanceof StoreException e && e.kind() == StoreException.Kind.NOT_FOUND;
    }

    /**
     * An untagged FETCH telling a flag change: with UID and, once CONDSTORE is on, MODSEQ (RFC 7162
     * §3.1: whoever made the change).
     */
    String flagChange(SelectedMailbox s, MessageRecord m, boolean withUid) {
        StringBuilder out = new StringBuilder("* ").append(s.msn(m.uid())).append(" FETCH (FLAGS ")
                .append(flagsOf(s, m));
        if (withUid || condstore) {
            out.append(" UID ").append(m.uid());
        }
        if (condstore) {
            out.append(" MODSEQ (").append(m.modSeq()).append(')');
        }
        return out.append(")\r\n").toString();
    }

    /**
     * New messages in a read-write IMAP4rev1 selection: those no other session has seen become
     * \Recent here; returns the RECENT response to send after EXISTS (RFC 3501 §7.3.2), or "".
     */
    private Future<String> newlyRecent(SelectedMailbox s, boolean grew) {
        if (!grew || rev2 || s.readOnly) {
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

    /**
     * Removes expunged UIDs from the view and reports them: {@code * n EXPUNGE} each, or once QRESYNC
     * is enabled one {@code * VANISHED uid-set} (RFC 7162 §3.2.10).
     */
    void expunged(SelectedMailbox s, List<Long> uids, StringBuilder out) {
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

    void publish(Mailbox m, MailboxEvent.Kind kind, long uid, long modSeq) {
        try {
            events.publish(new MailboxEvent(user, m.id(), kind, uid, modSeq));
        } catch (RuntimeException e) {
            LOG.warn("[imap {}] could not publish a mailbox event: {}", id, e.toString());
        }
    }

    /** EXPUNGED for {@code gone}, with the flags it had (what other sessions may still answer FETCH with). */
    void publishExpunged(Mailbox m, MessageRecord gone) {
        try {
            events.publish(new MailboxEvent(user, m.id(), MailboxEvent.Kind.EXPUNGED, gone.uid(), 0, gone.flags()));
        } catch (RuntimeException e) {
            LOG.warn("[imap {}] could not publish a mailbox event: {}", id, e.toString());
        }
    }

    void publishMailboxChange() {
        try {
            events.publish(new MailboxEvent(user, new MailboxId("0"), MailboxEvent.Kind.MAILBOX_CHANGED, 0, 0));
        } catch (RuntimeException e) {
            LOG.warn("[imap {}] could not publish a mailbox event: {}", id, e.toString());
        }
    }

    // ---- arguments ----

    static void args(List<Token> a, int n) {
        if (a.size() != n) {
            throw new ImapParseException("Expected " + n + " argument" + (n == 1 ? "" : "s"));
        }
    }

    /** RFC 9051 §9 astring: an atom (NIL included: it is only NIL where nstring is expected) or a string. */
    static String astring(Token t) {
        if (t instanceof Atom atom) {
            return atom.value();
        }
        if (t instanceof Str s) {
            return s.value();
        }
        if (t instanceof Nil) {
            return "NIL";
        }
        throw new ImapParseException("Expected a string");
    }

    static String quoted(String s) {
        return ImapStrings.appendString(new StringBuilder(), s, true).toString();
    }

    /**
     * A mailbox name to create: modified UTF-7 unless the client enabled UTF-8 (RFC 9051 §5.1, RFC
     * 6855); one that is not valid cannot be created.
     */
    MailboxPath path(Token t) {
        String name = astring(t);
        try {
            return utf8 ? MailboxPath.parse(name) : MailboxPath.parseModifiedUtf7(name);
        } catch (IllegalArgumentException e) {
            throw new No("[CANNOT] Invalid mailbox name: " + e.getMessage());
        }
    }

    /** A mailbox name to look up: one that is not a valid name names no mailbox. */
    MailboxPath existingPath(Token t) {
        String name = astring(t);
        try {
            return utf8 ? MailboxPath.parse(name) : MailboxPath.parseModifiedUtf7(name);
        } catch (IllegalArgumentException e) {
            throw new No("[NONEXISTENT] No such mailbox");
        }
    }

    String name(MailboxPath p) {
        return ImapStrings.appendString(new StringBuilder(), utf8 ? p.name() : p.toModifiedUtf7(), utf8).toString();
    }

    UidSet sequence(Token t, boolean uid) {
        if (!(t instanceof Atom atom) || !SEQUENCE.matcher(atom.value()).matches()) {
            throw new ImapParseException("Invalid sequence set");
        }
        SequenceSet set = sequenceSet(atom);
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

    static SequenceSet sequenceSet(Token t) {
        try {
            return SequenceSet.parse(astring(t));
        } catch (IllegalArgumentException e) {
            throw new ImapParseException(e.getMessage());
        }
    }

    static long number(Token t) {
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

    // ---- flags ----

    static String flags(Flags flags) {
        return flags(flags, false);
    }

    /** A FLAGS list; \Recent is a session flag (RFC 3501 §2.3.2), never stored. */
    static String flags(Flags flags, boolean recent) {
        String stored = String.join(" ", flags.toStrings());
        return "(" + (recent ? (stored.isEmpty() ? "\\Recent" : "\\Recent " + stored) : stored) + ")";
    }

    /** FLAGS of a selected message as this session shows them. */
    static String flagsOf(SelectedMailbox s, MessageRecord m) {
        return flags(m.flags(), s.isRecent(m.uid()));
    }

    static Flags parseFlags(Token t) {
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

    static String internalDate(Instant instant) {
        return "\"" + INTERNALDATE.format(instant.atZone(ZoneOffset.UTC)) + "\"";
    }
}
