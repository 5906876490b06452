package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Atom;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.store.Mailbox;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * LIST with LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819), and LSUB
 * (RFC 3501 §6.3.9).
 *
 * <p>One rule lists the levels above what is selected: a name that matches the pattern is listed
 * when it is selected itself, or when something below it is selected that the pattern does not
 * reach ({@code %} stops at the delimiter). Such a level is \NonExistent when no mailbox has the name
 * (\Noselect for LSUB), and with (SUBSCRIBED RECURSIVEMATCH) carries {@code CHILDINFO ("SUBSCRIBED")}.
 */
final class ListCommand {

    private static final Set<String> SELECTION = Set.of("SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE");
    private static final Set<String> RETURNS = Set.of("SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS");

    private ListCommand() {
    }

    static Future<Void> list(ImapSession session, Request r, boolean lsub) {
        List<Token> a = r.args();
        int i = 0;
        Set<String> selection = new HashSet<>();
        if (!lsub && !a.isEmpty() && a.get(0) instanceof ListToken options) {
            for (Token t : options.items()) {
                String o = ImapSession.astring(t).toUpperCase(Locale.ROOT);
                if (!SELECTION.contains(o)) {
                    throw new ImapParseException("Unknown LIST selection option " + o);
                }
                selection.add(o);
            }
            // RFC 5258 §3: RECURSIVEMATCH qualifies another selection option, never stands alone.
            Set<String> others = new HashSet<>(selection);
            others.removeAll(Set.of("RECURSIVEMATCH", "REMOTE"));
            if (selection.contains("RECURSIVEMATCH") && others.isEmpty()) {
                throw new ImapParseException("RECURSIVEMATCH needs another selection option");
            }
            i = 1;
        }
        if (a.size() < i + 2) {
            throw new ImapParseException("LIST takes a reference and a mailbox pattern");
        }
        String reference = ImapSession.astring(a.get(i));
        List<String> patterns = new ArrayList<>();
        if (!lsub && a.get(i + 1) instanceof ListToken many) {
            if (many.items().isEmpty()) {
                // RFC 5258 §6: patterns = "(" list-mailbox *(SP list-mailbox) ")"
                throw new ImapParseException("LIST takes one or more mailbox patterns");
            }
            for (Token t : many.items()) {
                patterns.add(ImapSession.astring(t));
            }
        } else {
            patterns.add(ImapSession.astring(a.get(i + 1)));
        }
        Set<String> returns = new HashSet<>();
        List<String> statusItems = new ArrayList<>();
        if (a.size() > i + 2) {
            if (lsub || !(a.get(i + 2) instanceof Atom ret) || !ret.value().equalsIgnoreCase("RETURN")
                    || a.size() != i + 4 || !(a.get(i + 3) instanceof ListToken options)) {
                throw new ImapParseException("Invalid LIST return options");
            }
            List<Token> items = options.items();
            for (int k = 0; k < items.size(); k++) {
                String o = ImapSession.astring(items.get(k)).toUpperCase(Locale.ROOT);
                if (!RETURNS.contains(o)) {
                    throw new ImapParseException("Unknown LIST return option " + o);
                }
                if (o.equals("STATUS")) {
                    if (k + 1 >= items.size()) {
                        throw new ImapParseException("STATUS takes a list of items");
                    }
                    statusItems.addAll(MailboxCommands.statusItems(session, items.get(++k)));
                }
                returns.add(o);
            }
        }
        if (patterns.size() == 1 && patterns.get(0).isEmpty()) {
            // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter.
            session.client.write("* " + (lsub ? "LSUB" : "LIST") + " (\\Noselect) \"/\" \"\"\r\n");
            return session.ok(r, (lsub ? "LSUB" : "LIST") + " completed");
        }
        boolean subscribedOnly = lsub || selection.contains("SUBSCRIBED");
        boolean specialUseOnly = selection.contains("SPECIAL-USE");
        boolean childInfo = selection.contains("RECURSIVEMATCH");
        // Plain LIST and LSUB list the levels above; (SUBSCRIBED) alone lists only what it selects.
        boolean levelsAbove = !selection.contains("SUBSCRIBED") || childInfo;
        return session.f(session.mailboxes.list(session.user)).compose(all -> session.f(
                session.mailboxes.subscriptions(session.user)).compose(subs -> {
                    Map<MailboxPath, Mailbox> existing = new TreeMap<>();
                    for (Mailbox m : all) {
                        existing.put(m.path(), m);
                    }
                    Set<MailboxPath> subscribed = new HashSet<>(subs);
                    Set<MailboxPath> selected = new HashSet<>();
                    if (subscribedOnly) {
                        selected.addAll(subscribed);
                    } else {
                        selected.addAll(existing.keySet());
                    }
                    if (specialUseOnly) {
                        selected.removeIf(p -> !existing.containsKey(p) || existing.get(p).specialUse().isEmpty());
                    }
                    Map<MailboxPath, Boolean> listed = new TreeMap<>();
                    for (MailboxPath p : selected) {
                        if (matches(session, reference, patterns, p)) {
                            listed.putIfAbsent(p, false);
                        } else if (levelsAbove) {
                            for (MailboxPath up = p.parent(); up != null; up = up.parent()) {
                                if (matches(session, reference, patterns, up)) {
                                    listed.put(up, true);
                                }
                            }
                        }
                    }
                    // In order: each LIST line, then its STATUS (RFC 5819), read meanwhile.
                    List<Future<String>> lines = new ArrayList<>();
                    for (Map.Entry<MailboxPath, Boolean> e : listed.entrySet()) {
                        MailboxPath p = e.getKey();
                        Mailbox m = existing.get(p);
                        List<String> attributes = new ArrayList<>();
                        if (m == null || (lsub && !subscribed.contains(p))) {
                            // RFC 3501 §6.3.9: LSUB with % shows the unsubscribed parent of a subscribed
                            // mailbox, flagged \Noselect, whether or not that parent exists.
                            attributes.add(lsub ? "\\Noselect" : "\\NonExistent");
                        }
                        if (!lsub) {
                            boolean children = existing.keySet().stream().anyMatch(o -> o.isDescendantOf(p));
                            attributes.add(children ? "\\HasChildren" : "\\HasNoChildren");
                            if (subscribed.contains(p)) {
                                attributes.add("\\Subscribed");
                            }
                        }
                        if (m != null) {
                            for (SpecialUse u : m.specialUse()) {
                                attributes.add(u.attribute());
                            }
                        }
                        lines.add(Future.succeededFuture("* " + (lsub ? "LSUB" : "LIST") + " ("
                                + String.join(" ", attributes) + ") \"/\" " + session.name(p)
                                + (childInfo && e.getValue() ? " (\"CHILDINFO\" (\"SUBSCRIBED\"))" : "") + "\r\n"));
                        if (m != null && !statusItems.isEmpty()) {
                            lines.add(MailboxCommands.line(session, m, statusItems));
                        }
                    }
                    return Future.all(lines).compose(done -> {
                        StringBuilder out = new StringBuilder();
                        for (Future<String> line : lines) {
                            out.append(line.result());
                        }
                        session.client.write(out.toString());
                        return session.ok(r, (lsub ? "LSUB" : "LIST") + " completed");
                    });
                }));
    }

    private static boolean matches(ImapSession session, String reference, List<String> patterns, MailboxPath p) {
        String name = session.utf8 ? p.name() : p.toModifiedUtf7();
        for (String pattern : patterns) {
            if (matches(reference + pattern, name)) {
                return true;
            }
        }
        return false;
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
}
