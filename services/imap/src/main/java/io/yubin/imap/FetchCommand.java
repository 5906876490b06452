package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.imap.search.SearchResult;
import io.yubin.model.Flags;
import io.yubin.model.SystemFlag;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.MailboxStore.FlagOperation;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5), with CONDSTORE's CHANGEDSINCE and QRESYNC's VANISHED (RFC
 * 7162 §3.1.4, §3.2.6). The responses themselves are rendered by {@link ImapMessages}.
 */
final class FetchCommand {

    private FetchCommand() {
    }

    static Future<Void> fetch(ImapSession session, Request r, List<Token> a, boolean uid) {
        if (a.size() < 2 || a.size() > 3) {
            throw new ImapParseException("FETCH takes a sequence set and items");
        }
        SelectedMailbox s = session.selected;
        UidSet set = session.sequence(a.get(0), uid);
        List<String> items = new ArrayList<>();
        if (a.get(1) instanceof ListToken list) {
            for (Token t : list.items()) {
                items.add(ImapSession.astring(t));
            }
        } else {
            switch (ImapSession.astring(a.get(1)).toUpperCase(Locale.ROOT)) {
                case "ALL" -> items.addAll(List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"));
                case "FAST" -> items.addAll(List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE"));
                case "FULL" -> items.addAll(List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"));
                default -> items.add(ImapSession.astring(a.get(1)));
            }
        }
        long changedSince = -1;
        boolean vanished = false;
        if (a.size() == 3) {
            if (!(a.get(2) instanceof ListToken mods) || mods.items().size() < 2
                    || !ImapSession.astring(mods.items().get(0)).equalsIgnoreCase("CHANGEDSINCE")) {
                throw new ImapParseException("Invalid FETCH modifier");
            }
            changedSince = ImapSession.number(mods.items().get(1));
            if (mods.items().size() == 3 && ImapSession.astring(mods.items().get(2)).equalsIgnoreCase("VANISHED")) {
                if (!uid || !session.qresync) {
                    throw new ImapParseException("VANISHED needs UID FETCH and QRESYNC enabled");
                }
                vanished = true;
            } else if (mods.items().size() != 2) {
                throw new ImapParseException("Invalid FETCH modifier");
            }
        }
        List<ImapMessages.Item> parsed = ImapMessages.parseItems(items);
        if (uid) {
            parsed = ImapMessages.withUid(parsed);
        }
        // RFC 7162 §3.1: the MODSEQ item and CHANGEDSINCE enable CONDSTORE.
        if (changedSince >= 0 || parsed.stream().anyMatch(i -> i.kind() == ImapMessages.Kind.MODSEQ)) {
            session.enableCondstore();
        }
        if (changedSince >= 0) {
            parsed = ImapMessages.withModSeq(parsed);
        }
        boolean flagsShown = parsed.stream().anyMatch(i -> i.kind() == ImapMessages.Kind.FLAGS);
        long since = changedSince;
        List<Long> inView = s.resolve(set, uid);
        boolean[] expunged = {false};
        // Messages this session still shows that another session has expunged: RFC 9051 §7.5.1 asks
        // for what can still be known of them. Their flags are known when the expunging session
        // published them; with MODSEQ or any other item they are not, and the answer is
        // NO [EXPUNGEISSUED] (RFC 5530).
        boolean flagsSuffice = parsed.stream()
                .allMatch(i -> i.kind() == ImapMessages.Kind.UID || i.kind() == ImapMessages.Kind.FLAGS);
        TreeMap<Long, Flags> remembered = new TreeMap<>();
        Future<List<MessageRecord>> records = inView.isEmpty() ? Future.succeededFuture(List.of())
                : session.f(session.mailboxes.messages(s.mailbox.id(), UidSet.ofUids(inView))).map(list -> {
                    if (list.size() < inView.size()) {
                        Set<Long> found = new HashSet<>();
                        list.forEach(m -> found.add(m.uid()));
                        for (long u : inView) {
                            Flags known = found.contains(u) || !flagsSuffice ? null : s.flagsOfExpunged(u);
                            if (known != null) {
                                remembered.put(u, known);
                            } else if (!found.contains(u)) {
                                expunged[0] = true;
                            }
                        }
                    }
                    return list.stream().filter(m -> m.modSeq() > since).toList();
                });
        List<ImapMessages.Item> wanted = parsed;
        Future<Void> earlier = !vanished ? Future.succeededFuture()
                : session.f(session.mailboxes.changesSince(s.mailbox.id(), since)).map(changes -> {
                    List<Long> gone = changes.vanished().stream().filter(set::contains).toList();
                    if (!gone.isEmpty()) {
                        session.client.write("* VANISHED (EARLIER) " + SearchResult.renderSequence(gone) + "\r\n");
                    }
                    return null;
                });
        return earlier.compose(e -> records).compose(targets -> {
            if (flagsShown) {
                // RFC 9051 §7.3.5: a keyword is in a FLAGS response before a FETCH shows it.
                session.client.write(s.announce(targets));
                session.client.write(s.announceFlags(remembered.values()));
            }
            // RFC 7162 §3.1.2: CONDSTORE puts MODSEQ in FETCH responses that tell flag changes (unsolicited
            // ones, STORE's, the \Seen a body fetch sets), not in those of a FETCH that did not ask for it.
            return session.messages.fetch(s, targets, wanted, session.client).map(outcome -> {
                if (flagsShown) {
                    // A change read here before its event arrived is not told again on the next NOOP.
                    targets.forEach(s::reported);
                }
                return outcome;
            });
        }).compose(outcome -> {
            expunged[0] |= outcome.expunged();
            if (!remembered.isEmpty()) {
                session.client.write(rememberedResponses(s, remembered, wanted));
            }
            List<Long> seen = outcome.seen();
            if (seen.isEmpty() || s.readOnly) {
                return Future.succeededFuture();
            }
            // RFC 9051 §6.4.5: BODY[] without PEEK sets \Seen, and the change is told like any other.
            return session.f(session.mailboxes.updateFlags(s.mailbox.id(), UidSet.ofUids(seen), FlagOperation.ADD,
                    Flags.of(SystemFlag.SEEN), -1)).map(update -> {
                        session.client.write(StoreCommand.changed(session, s, update.changed(), uid, true, true));
                        for (MessageRecord m : update.changed()) {
                            session.publish(s.mailbox, MailboxEvent.Kind.FLAGS_CHANGED, m.uid(), m.modSeq());
                        }
                        return null;
                    });
        }).compose(v -> {
            if (expunged[0]) {
                // RFC 5530: some of the messages were expunged by another session meanwhile; UID FETCH
                // may tell which (RFC 9051 §7.5.1), FETCH by number leaves that to a later command.
                session.changed = true;
                return session.update(uid).compose(u -> Future.<Void>failedFuture(
                        new No("[EXPUNGEISSUED] Some of the requested messages no longer exist")));
            }
            return session.ok(r, "FETCH completed");
        });
    }

    /** FETCH responses of UID and FLAGS for messages expunged elsewhere, from their remembered flags. */
    private static String rememberedResponses(SelectedMailbox s, TreeMap<Long, Flags> remembered,
            List<ImapMessages.Item> items) {
        StringBuilder out = new StringBuilder();
        for (var e : remembered.entrySet()) {
            long u = e.getKey();
            List<String> parts = new ArrayList<>();
            for (ImapMessages.Item item : items) {
                parts.add(item.kind() == ImapMessages.Kind.UID ? "UID " + u
                        : "FLAGS " + ImapSession.flags(e.getValue(), s.isRecent(u)));
            }
            out.append("* ").append(s.msn(u)).append(" FETCH (").append(String.join(" ", parts)).append(")\r\n");
        }
        return out.toString();
    }
}
