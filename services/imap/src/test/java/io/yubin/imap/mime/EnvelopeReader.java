package io.yubin.imap.mime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads rendered envelopes back by the IMAP grammar (RFC 9051 §9 envelope, address, nstring),
 * failing on anything else: the judge of the property tests, written apart from the renderer.
 */
final class EnvelopeReader {

    private final byte[] in;
    private int pos;

    private EnvelopeReader(String rendered) {
        in = rendered.getBytes(StandardCharsets.UTF_8);
    }

    /** The entries of an address list ("NIL" or "(" 1*address ")"), each as its four nstrings. */
    static List<List<String>> addressList(String rendered) {
        EnvelopeReader r = new EnvelopeReader(rendered);
        List<List<String>> entries = r.addresses();
        r.end();
        return entries;
    }

    /** The six address lists of an envelope, from through bcc. */
    static List<List<List<String>>> envelope(String rendered) {
        EnvelopeReader r = new EnvelopeReader(rendered);
        r.expect('(');
        r.nstring();
        r.expect(' ');
        r.nstring();
        List<List<List<String>>> lists = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            r.expect(' ');
            lists.add(r.addresses());
        }
        r.expect(' ');
        r.nstring();
        r.expect(' ');
        r.nstring();
        r.expect(')');
        r.end();
        return lists;
    }

    /**
     * RFC 9051 §7.5.2 semantics of a list: a NIL host only in a group start (mailbox name set, the
     * rest NIL) or a group end (all NIL), starts and ends alternating, no group left open; every
     * other entry has a mailbox name and a host.
     */
    static void checkGroupsAndMailboxes(List<List<String>> entries) {
        boolean inGroup = false;
        for (List<String> e : entries) {
            if (e.get(3) != null) {
                if (e.get(2) == null) {
                    throw new IllegalStateException("mailbox without mailbox name: " + e);
                }
            } else if (e.get(2) != null) {
                if (inGroup || e.get(0) != null || e.get(1) != null) {
                    throw new IllegalStateException("misplaced group start: " + entries);
                }
                inGroup = true;
            } else {
                if (!inGroup || e.get(0) != null || e.get(1) != null) {
                    throw new IllegalStateException("misplaced group end: " + entries);
                }
                inGroup = false;
            }
        }
        if (inGroup) {
            throw new IllegalStateException("group left open: " + entries);
        }
    }

    private List<List<String>> addresses() {
        if (nil()) {
            return List.of();
        }
        expect('(');
        List<List<String>> entries = new ArrayList<>();
        do {
            expect('(');
            String name = nstring();
            expect(' ');
            String adl = nstring();
            expect(' ');
            String mailbox = nstring();
            expect(' ');
            String host = nstring();
            expect(')');
            entries.add(Arrays.asList(name, adl, mailbox, host));
        } while (peek() == '(');
        expect(')');
        return entries;
    }

    private String nstring() {
        if (nil()) {
            return null;
        }
        if (peek() == '"') {
            pos++;
            StringBuilder s = new StringBuilder();
            while (true) {
                int c = next();
                if (c == '"') {
                    return s.toString();
                }
                if (c == '\\') {
                    c = next();
                    if (c != '"' && c != '\\') {
                        throw new IllegalStateException("bad quoted-pair at " + pos);
                    }
                } else if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) {
                    throw new IllegalStateException("octet " + c + " in a quoted string at " + pos);
                }
                s.append((char) c);
            }
        }
        expect('{');
        int start = pos;
        while (peek() >= '0' && peek() <= '9') {
            pos++;
        }
        if (pos == start) {
            throw new IllegalStateException("expected a string at " + start);
        }
        int length = Integer.parseInt(new String(in, start, pos - start, StandardCharsets.US_ASCII));
        expect('}');
        expect('\r');
        expect('\n');
        if (pos + length > in.length) {
            throw new IllegalStateException("literal runs past the end");
        }
        String s = new String(in, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    private boolean nil() {
        if (pos + 3 <= in.length && in[pos] == 'N' && in[pos + 1] == 'I' && in[pos + 2] == 'L') {
            pos += 3;
            return true;
        }
        return false;
    }

    private int peek() {
        return pos < in.length ? in[pos] & 0xff : -1;
    }

    private int next() {
        if (pos >= in.length) {
            throw new IllegalStateException("unexpected end");
        }
        return in[pos++] & 0xff;
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalStateException("expected '" + c + "' at " + (pos - 1) + " in "
                    + new String(in, StandardCharsets.UTF_8));
        }
    }

    private void end() {
        if (pos != in.length) {
            throw new IllegalStateException("trailing octets at " + pos);
        }
    }
}
