package io.yubin.imap.search;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * RFC 5256 THREAD=ORDEREDSUBJECT (§4 "ORDEREDSUBJECT") and THREAD=REFERENCES (§4 "REFERENCES", the
 * algorithm of Jamie Zawinski). Messages are identified in the output by {@code number}: the
 * sequence number for THREAD, the UID for UID THREAD.
 */
public final class Threader {

    /** The algorithms a client names after THREAD. */
    public enum Algorithm { ORDEREDSUBJECT, REFERENCES }

    private Threader() {
    }

    public static List<ThreadNode> thread(Algorithm algorithm, List<MessageView> messages,
            ToLongFunction<MessageView> number) {
        return switch (algorithm) {
            case ORDEREDSUBJECT -> orderedSubject(messages, number);
            case REFERENCES -> references(messages, number);
        };
    }

    /**
     * ORDEREDSUBJECT: messages sorted by base subject and then sent date; each run with the same base
     * subject is one thread whose first message is the parent of all the others. Threads are ordered
     * by the sent date of their first message.
     */
    public static List<ThreadNode> orderedSubject(List<MessageView> messages, ToLongFunction<MessageView> number) {
        Map<String, List<MessageView>> bySubject = new LinkedHashMap<>();
        for (MessageView m : messages) {
            bySubject.computeIfAbsent(subjectKey(m), k -> new ArrayList<>()).add(m);
        }
        List<List<MessageView>> threads = new ArrayList<>();
        for (List<MessageView> group : bySubject.values()) {
            group.sort(BY_SENT_DATE);
            threads.add(group);
        }
        threads.sort(Comparator.comparing(t -> t.get(0), BY_SENT_DATE));
        List<ThreadNode> out = new ArrayList<>();
        for (List<MessageView> t : threads) {
            List<ThreadNode> children = new ArrayList<>();
            for (MessageView m : t.subList(1, t.size())) {
                children.add(new ThreadNode(number.applyAsLong(m), List.of()));
            }
            out.add(new ThreadNode(number.applyAsLong(t.get(0)), children));
        }
        return out;
    }

    /** REFERENCES: threads from Message-ID, References and In-Reply-To, merged by base subject. */
    public static List<ThreadNode> references(List<MessageView> messages, ToLongFunction<MessageView> number) {
        List<MessageView> inOrder = new ArrayList<>(messages);
        inOrder.sort(Comparator.comparingLong(MessageView::msn));
        Map<String, Container> ids = new HashMap<>();
        for (MessageView m : inOrder) {
            link(m, ids);
        }
        // (2) the root set: containers without a parent. (3) the id table is not needed any more.
        List<Container> roots = new ArrayList<>();
        for (Container c : ids.values()) {
            if (c.parent == null) {
                roots.add(c);
            }
        }
        roots.sort(Comparator.comparingLong(Container::firstMsn));
        roots = prune(roots, true);
        // Sorted already here so that (5)(A), which takes a dummy's subject from its first child, is deterministic.
        roots.forEach(Threader::sortTree);
        roots.sort(CONTAINER_ORDER);
        roots = groupBySubject(roots);
        // (6) sort siblings at every level, grandchildren first, by sent date (a dummy by its first child).
        roots.forEach(Threader::sortTree);
        roots.sort(CONTAINER_ORDER);
        List<ThreadNode> out = new ArrayList<>();
        for (Container c : roots) {
            out.add(c.toNode(number));
        }
        return out;
    }

    /** IMAP syntax of a THREAD response's data: {@code (3 6 (4 23)(44 7 96))}, one parenthesized list per thread. */
    public static String render(List<ThreadNode> threads) {
        StringBuilder sb = new StringBuilder();
        for (ThreadNode t : threads) {
            sb.append('(');
            renderNode(t, sb);
            sb.append(')');
        }
        return sb.toString();
    }

    // RFC 5256 §4 thread-list: a chain of single children is written flat, siblings each in parentheses.
    private static void renderNode(ThreadNode node, StringBuilder sb) {
        if (!node.dummy()) {
            sb.append(node.number());
        }
        List<ThreadNode> children = node.children();
        if (children.isEmpty()) {
            return;
        }
        if (!node.dummy()) {
            sb.append(' ');
        }
        if (children.size() == 1) {
            renderNode(children.get(0), sb);
            return;
        }
        for (ThreadNode c : children) {
            sb.append('(');
            renderNode(c, sb);
            sb.append(')');
        }
    }

    private static final Comparator<MessageView> BY_SENT_DATE =
            Comparator.comparing(Sorter::sentDate).thenComparingLong(MessageView::msn);

    private static final Comparator<Container> CONTAINER_ORDER =
            Comparator.comparing(Container::sortDate).thenComparingLong(Container::firstMsn);

    private static String subjectKey(MessageView m) {
        List<String> s = m.header("Subject");
        return UnicodeCasemap.key(Sorter.baseSubject(s.isEmpty() ? "" : s.get(0)));
    }

    /** A node of the id table: a message, or a dummy for an id only referred to. */
    private static final class Container {
        MessageView message;
        Container parent;
        final List<Container> children = new ArrayList<>();

        Container(MessageView message) {
            this.message = message;
        }

        boolean dummy() {
            return message == null;
        }

        /** True when {@code other} is this container or one of its ancestors. */
        boolean hasAncestorOrSelf(Container other) {
            for (Container c = this; c != null; c = c.parent) {
                if (c == other) {
                    return true;
                }
            }
            return false;
        }

        void addChild(Container child) {
            child.parent = this;
            children.add(child);
        }

        void detach() {
            if (parent != null) {
                parent.children.remove(this);
                parent = null;
            }
        }

        /** The message that stands for this container when sorting: itself, or a dummy's first child. */
        MessageView representative() {
            Container c = this;
            while (c.dummy() && !c.children.isEmpty()) {
                c = c.children.get(0);
            }
            return c.message;
        }

        Instant sortDate() {
            MessageView m = representative();
            return m == null ? Instant.MIN : Sorter.sentDate(m);
        }

        long firstMsn() {
            MessageView m = representative();
            return m == null ? Long.MAX_VALUE : m.msn();
        }

        ThreadNode toNode(ToLongFunction<MessageView> number) {
            List<ThreadNode> nodes = new ArrayList<>(children.size());
            for (Container c : children) {
                nodes.add(c.toNode(number));
            }
            return new ThreadNode(dummy() ? 0 : number.applyAsLong(message), nodes);
        }
    }

    // RFC 5256 §4 step (1): place the message in the id table and link its References chain.
    private static void link(MessageView m, Map<String, Container> ids) {
        List<String> own = MessageIds.parse(m.header("Message-ID"));
        Container self = own.isEmpty() ? null : ids.get(own.get(0));
        if (self != null && self.dummy()) {
            self.message = m;
        } else {
            // (1)(A) no Message-ID, or a duplicate one: the message gets an id of its own.
            self = new Container(m);
            String id = own.isEmpty() || ids.containsKey(own.get(0)) ? uniqueId(m, ids) : own.get(0);
            ids.put(id, self);
        }
        List<String> refs = MessageIds.parse(m.header("References"));
        if (refs.isEmpty()) {
            // (1)(B) without References, the first valid msg-id of In-Reply-To is the parent.
            List<String> inReplyTo = MessageIds.parse(m.header("In-Reply-To"));
            refs = inReplyTo.isEmpty() ? List.of() : List.of(inReplyTo.get(0));
        }
        Container previous = null;
        for (String ref : refs) {
            Container c = ids.computeIfAbsent(ref, k -> new Container(null));
            // (1)(B) link each reference to the one before it, unless already linked or it would make a loop.
            if (previous != null && c.parent == null && !previous.hasAncestorOrSelf(c)) {
                previous.addChild(c);
            }
            previous = c;
        }
        // (1)(C) the last reference is the parent: an earlier (likely truncated) link is broken first,
        // and the new one is not made if it would make a loop (the message then heads its own thread).
        self.detach();
        if (previous != null && !previous.hasAncestorOrSelf(self)) {
            previous.addChild(self);
        }
    }

    private static String uniqueId(MessageView m, Map<String, Container> ids) {
        // Angle brackets never occur inside a parsed id, so this cannot meet a real one.
        String base = "<" + m.msn() + "." + m.uid() + ">";
        String id = base;
        for (int i = 1; ids.containsKey(id); i++) {
            id = base + i;
        }
        return id;
    }

    // RFC 5256 §4 step (4): delete childless dummies; splice a dummy's children into its place,
    // except at the root when that would put several children there.
    private static List<Container> prune(List<Container> siblings, boolean root) {
        Container parent = root || siblings.isEmpty() ? null : siblings.get(0).parent;
        List<Container> out = new ArrayList<>();
        for (Container c : siblings) {
            List<Container> kids = prune(new ArrayList<>(c.children), false);
            c.children.clear();
            kids.forEach(c::addChild);
            if (!c.dummy()) {
                out.add(c);
            } else if (kids.isEmpty()) {
                c.parent = null;
            } else if (!root || kids.size() == 1) {
                for (Container k : kids) {
                    k.parent = null;
                    out.add(k);
                }
                c.children.clear();
            } else {
                out.add(c);
            }
        }
        for (Container c : out) {
            c.parent = parent;
        }
        return out;
    }

    // RFC 5256 §4 step (5): threads at the root whose base subjects are equal are gathered together.
    private static List<Container> groupBySubject(List<Container> roots) {
        Map<String, Container> table = new HashMap<>();
        Map<Container, BaseSubject> subjects = new HashMap<>();
        for (Container c : roots) {
            BaseSubject s = subject(c);
            subjects.put(c, s);
            if (s.base().isEmpty()) {
                continue;
            }
            String key = UnicodeCasemap.key(s.base());
            Container old = table.get(key);
            // (5)(B) prefer a dummy, and prefer a non-reply over a reply.
            if (old == null
                    || (!old.dummy() && (c.dummy() || (subjects.get(old).replyOrForward() && !s.replyOrForward())))) {
                table.put(key, c);
            }
        }
        List<Container> out = new ArrayList<>(roots);
        for (Container c : roots) {
            BaseSubject s = subjects.get(c);
            if (s.base().isEmpty()) {
                continue;
            }
            String key = UnicodeCasemap.key(s.base());
            Container t = table.get(key);
            if (t == c) {
                continue;
            }
            out.remove(c);
            // (5)(C) merge c into the thread the table holds.
            if (t.dummy() && c.dummy()) {
                for (Container k : new ArrayList<>(c.children)) {
                    k.parent = null;
                    t.addChild(k);
                }
                c.children.clear();
            } else if (t.dummy() || (s.replyOrForward() && !subjects.get(t).replyOrForward())) {
                t.addChild(c);
            } else {
                Container d = new Container(null);
                int at = out.indexOf(t);
                out.set(at, d);
                d.addChild(t);
                d.addChild(c);
                table.put(key, d);
                subjects.put(d, subjects.get(t));
            }
        }
        return out;
    }

    // (5)(A) a dummy's subject is its first child's.
    private static BaseSubject subject(Container c) {
        MessageView m = c.representative();
        if (m == null) {
            return new BaseSubject("", false);
        }
        List<String> s = m.header("Subject");
        return BaseSubject.extract(s.isEmpty() ? "" : s.get(0));
    }

    private static void sortTree(Container c) {
        for (Container k : c.children) {
            sortTree(k);
        }
        c.children.sort(CONTAINER_ORDER);
    }
}
