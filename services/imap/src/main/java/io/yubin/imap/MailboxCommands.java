package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Atom;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.Quotas;
import io.yubin.store.StoreException;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** CREATE (RFC 9051 §6.3.4, RFC 6154 USE), STATUS (§6.3.11, RFC 8438 SIZE) and QUOTA (RFC 9208). */
final class MailboxCommands {

    private static final Set<String> STATUS_ITEMS = Set.of("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED",
            "SIZE", "RECENT", "HIGHESTMODSEQ", "APPENDLIMIT");

    private MailboxCommands() {
    }

    static Future<Void> create(ImapSession session, Request r) {
        List<Token> a = r.args();
        if (a.isEmpty() || a.size() > 2) {
            throw new ImapParseException("CREATE takes a mailbox name and optional parameters");
        }
        Set<SpecialUse> uses = new LinkedHashSet<>();
        if (a.size() == 2) {
            // RFC 6154 §3: CREATE name (USE (\Junk ...))
            if (!(a.get(1) instanceof ListToken params) || params.items().size() != 2
                    || !ImapSession.astring(params.items().get(0)).equalsIgnoreCase("USE")
                    || !(params.items().get(1) instanceof ListToken useList)) {
                throw new ImapParseException("Invalid CREATE parameters");
            }
            for (Token t : useList.items()) {
                SpecialUse use = SpecialUse.fromAttribute(ImapSession.astring(t));
                if (use == null) {
                    // RFC 6154 §3: not created, and USEATTR says why.
                    throw new No("[USEATTR] Unsupported special-use attribute " + ImapSession.astring(t));
                }
                uses.add(use);
            }
        }
        String raw = ImapSession.astring(a.get(0));
        MailboxPath p = session.path(new Atom(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw));
        if (p.isInbox()) {
            throw new No("[ALREADYEXISTS] INBOX exists");
        }
        return createSuperiors(session, p).compose(v -> session.f(session.mailboxes.create(session.user, p, uses)))
                .compose(m -> {
                    session.publishMailboxChange();
                    return session.ok(r, "CREATE completed");
                });
    }

    /**
     * RFC 9051 §6.3.4 and §6.3.6: the superior names of a new name (CREATE, or RENAME's target) that do
     * not exist are created first, top down, as ordinary mailboxes: {@code CREATE a/b/c} makes {@code a}
     * and {@code a/b} as well. One created meanwhile by another session is taken as it is.
     */
    static Future<Void> createSuperiors(ImapSession session, MailboxPath path) {
        List<MailboxPath> superiors = new ArrayList<>();
        for (MailboxPath p = path.parent(); p != null; p = p.parent()) {
            superiors.add(0, p);
        }
        Future<Void> chain = Future.succeededFuture();
        for (MailboxPath superior : superiors) {
            chain = chain.compose(v -> session.f(session.mailboxes.find(session.user, superior)).compose(found ->
                    found.isPresent() ? Future.<Void>succeededFuture()
                            : session.f(session.mailboxes.create(session.user, superior, Set.of())).<Void>mapEmpty()
                                    .recover(e -> ImapSession.cause(e) instanceof StoreException se
                                            && se.kind() == StoreException.Kind.CONFLICT
                                            ? Future.succeededFuture() : Future.failedFuture(e))));
        }
        return chain;
    }

    static Future<Void> status(ImapSession session, Request r) {
        List<Token> a = r.args();
        ImapSession.args(a, 2);
        List<String> names = statusItems(session, a.get(1));
        MailboxPath p = session.existingPath(a.get(0));
        return session.f(session.mailboxes.find(session.user, p)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[NONEXISTENT] No such mailbox");
            }
            return line(session, found.get(), names).compose(line -> {
                session.client.write(line);
                return session.ok(r, "STATUS completed");
            });
        });
    }

    /**
     * The items of a STATUS command or of LIST's RETURN (STATUS (...)) (RFC 5819), upper-cased: a
     * list of one or more known items, else BAD. Asking for HIGHESTMODSEQ enables CONDSTORE (RFC 7162 §3.1).
     */
    static List<String> statusItems(ImapSession session, Token list) {
        if (!(list instanceof ListToken items) || items.items().isEmpty()) {
            throw new ImapParseException("STATUS takes a list of items");
        }
        List<String> names = new ArrayList<>();
        for (Token t : items.items()) {
            String n = ImapSession.astring(t).toUpperCase(Locale.ROOT);
            if (!STATUS_ITEMS.contains(n)) {
                throw new ImapParseException("Unknown STATUS item " + n);
            }
            names.add(n);
        }
        if (names.contains("HIGHESTMODSEQ")) {
            session.enableCondstore();
        }
        return names;
    }

    /** The STATUS response for a mailbox (also LIST RETURN (STATUS), RFC 5819). */
    static Future<String> line(ImapSession session, Mailbox m, List<String> names) {
        return session.f(session.mailboxes.status(m.id())).compose(st -> {
            Future<Long> recent = names.contains("RECENT") ? recent(session, m, st) : Future.succeededFuture(0L);
            return recent.map(n -> "* STATUS " + session.name(m.path()) + " ("
                    + text(names, st, n, session.options.limits().maxMessageSize()) + ")\r\n");
        });
    }

    /**
     * RFC 3501 §6.3.10 RECENT: messages above the mailbox's recent mark. Looking never takes them
     * (only a read-write SELECT does), so STATUS says the same until then.
     */
    private static Future<Long> recent(ImapSession session, Mailbox m, MailboxStatus st) {
        if (session.rev2) {
            return Future.succeededFuture(0L);
        }
        return session.f(session.mailboxes.claimRecent(m.id(), 0)).compose(mark -> {
            if (mark + 1 > st.uidNext() - 1) {
                return Future.succeededFuture(0L);
            }
            return session.f(session.mailboxes.messages(m.id(), UidSet.of(new UidSet.Range(mark + 1,
                    st.uidNext() - 1)))).map(list -> (long) list.size());
        });
    }

    private static String text(List<String> names, MailboxStatus st, long recent, long appendLimit) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            long v = switch (n) {
                case "MESSAGES" -> st.messages();
                case "UIDNEXT" -> st.uidNext();
                case "UIDVALIDITY" -> st.uidValidity();
                case "UNSEEN" -> st.unseen();
                case "DELETED" -> st.deleted();
                case "SIZE" -> st.size();
                case "HIGHESTMODSEQ" -> st.highestModSeq();
                case "RECENT" -> recent;
                // RFC 7889 §3.2: the largest message APPEND takes into this mailbox (here the same for all).
                case "APPENDLIMIT" -> appendLimit;
                default -> throw new IllegalStateException("unchecked STATUS item " + n);
            };
            out.add(n + " " + v);
        }
        return String.join(" ", out);
    }

    /** The quota roots of the user's mailboxes (RFC 9208 §4.2): its own, then its domain's when that has a quota. */
    static Future<List<String>> quotaRoots(ImapSession session) {
        return session.f(session.accounts.quotas().ofDomain(session.user.domain())).map(domain -> domain.isPresent()
                ? List.of("", domain.get().root()) : List.of(""));
    }

    /** The QUOTA response of one root (RFC 9208 §5): "" is the user's own, the user's domain its domain's. */
    static Future<Void> quota(ImapSession session, String root) {
        Future<Optional<Quotas.Usage>> usage = root.isEmpty()
                ? session.f(session.accounts.quotas().own(session.user))
                : session.user.domain().ascii().equalsIgnoreCase(root)
                        ? session.f(session.accounts.quotas().ofDomain(session.user.domain()))
                        : Future.succeededFuture(Optional.empty());
        return usage.map(found -> {
            Quotas.Usage u = found.orElseThrow(() -> new No("[NONEXISTENT] No such quota root"));
            List<String> resources = new ArrayList<>(2);
            if (u.limits().storageBytes() > 0) {
                // STORAGE in units of 1024 octets.
                resources.add("STORAGE " + (u.used().bytes() + 1023) / 1024 + " " + u.limits().storageBytes() / 1024);
            }
            if (u.limits().messages() > 0) {
                resources.add("MESSAGE " + u.used().messages() + " " + u.limits().messages());
            }
            session.client.write("* QUOTA " + ImapSession.quoted(u.root()) + " (" + String.join(" ", resources) + ")\r\n");
            return null;
        });
    }
}
