package io.yubin.imap.mime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.stream.ParserCursor;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.util.ByteArrayBuffer;
import org.apache.james.mime4j.util.ByteSequence;

/**
 * Reads an address header field (From, Sender, Reply-To, To, Cc, Bcc) the way ENVELOPE shows it
 * and SORT compares it. Each mailbox is parsed by mime4j's {@link LenientAddressParser}, which
 * accepts the obsolete forms of RFC 5322 §4.4 and never fails; this class walks the list and its
 * groups itself because mime4j drops two things ENVELOPE needs: the comments (the name of an address
 * written {@code user@example.org (Real Name)}) and the display name as written (mime4j decodes its
 * encoded words; ENVELOPE leaves them to the client, as it does the Subject).
 */
public final class AddressFieldParser {

    private static final LenientAddressParser MAILBOXES = LenientAddressParser.DEFAULT;
    private static final RawFieldParser TOKENS = RawFieldParser.DEFAULT;
    /** What separates the entries of a list or a group. A stray ';' outside a group is one too. */
    private static final BitSet SEPARATORS = RawFieldParser.INIT_BITSET(',', ';');
    /**
     * Where the phrase opening a mailbox ends: at '<' of a name-addr, '@' of an addr-spec, or a
     * separator. The same set mime4j's {@code parseMailbox} reads its opening phrase up to.
     */
    private static final BitSet MAILBOX_OPENING = RawFieldParser.INIT_BITSET('<', '@', ',', ';');
    /** At the top level, the phrase may also end at ':', which makes it a group's display name. */
    private static final BitSet ADDRESS_OPENING = RawFieldParser.INIT_BITSET(':', '<', '@', ',', ';');
    private static final Pattern WHITESPACE = Pattern.compile("[ \t\r\n]+");

    private AddressFieldParser() {
    }

    /**
     * The field's address list (RFC 5322 §3.4): mailboxes, and groups as a start entry, their
     * mailboxes and an end entry. Never fails: what cannot be read as an address is skipped or read
     * as a mailbox without domain. Empty for null, blank or comment-only values.
     *
     * @param value the unfolded field value as in the message, encoded words not decoded
     */
    public static List<EnvelopeAddress> parse(String value) {
        List<EnvelopeAddress> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        byte[] octets = value.getBytes(StandardCharsets.UTF_8);
        ByteSequence buf = new ByteArrayBuffer(octets, octets.length, false);
        ParserCursor cursor = new ParserCursor(0, octets.length);
        while (!cursor.atEnd()) {
            int start = cursor.getPos();
            if (SEPARATORS.get(octets[start] & 0xff)) {
                cursor.updatePos(start + 1);
                continue;
            }
            String phrase = TOKENS.parseValue(buf, cursor, ADDRESS_OPENING);
            if (cursor.atEnd() || octets[cursor.getPos()] != ':') {
                cursor.updatePos(start);
                mailbox(octets, buf, cursor, out);
                continue;
            }
            // group = display-name ":" [group-list] ";" [CFWS]; a comment alone is an empty group.
            cursor.updatePos(cursor.getPos() + 1);
            out.add(new EnvelopeAddress.GroupStart(phrase));
            while (!cursor.atEnd() && octets[cursor.getPos()] != ';') {
                if (octets[cursor.getPos()] == ',') {
                    cursor.updatePos(cursor.getPos() + 1);
                } else {
                    mailbox(octets, buf, cursor, out);
                }
            }
            if (!cursor.atEnd()) {
                cursor.updatePos(cursor.getPos() + 1);
            }
            out.add(new EnvelopeAddress.GroupEnd());
        }
        return List.copyOf(out);
    }

    /** Reads one mailbox up to a separator (not consumed); adds it unless it was only CFWS. */
    private static void mailbox(byte[] octets, ByteSequence buf, ParserCursor cursor, List<EnvelopeAddress> out) {
        int start = cursor.getPos();
        String phrase = TOKENS.parseValue(buf, cursor, MAILBOX_OPENING);
        cursor.updatePos(start);
        Mailbox m = MAILBOXES.parseMailbox(buf, cursor, SEPARATORS);
        if (m == null) {
            return;
        }
        // mime4j gives a name only for a name-addr with a non-empty phrase, and decoded: take the
        // phrase as written. Without one, RFC 5322 §3.4 obs forms put the name in a comment.
        String name = m.getName() != null ? phrase : lastComment(octets, start, cursor.getPos());
        String route = m.getRoute() == null || m.getRoute().isEmpty() ? null : m.getRoute().toRouteString();
        String local = emptyToNull(m.getLocalPart());
        String domain = emptyToNull(m.getDomain());
        if (name != null || route != null || local != null || domain != null) {
            out.add(new EnvelopeAddress.Mailbox(name, route, local, domain));
        }
    }

    /**
     * The text of the last non-empty comment between {@code from} and {@code to}, tokenized as mime4j
     * does (quoted strings skipped, nesting and quoted-pairs honoured, an unclosed comment running to
     * the end): quoted-pairs unescaped, nested parentheses kept, whitespace runs made one space.
     */
    static String lastComment(byte[] octets, int from, int to) {
        String last = null;
        int i = from;
        while (i < to) {
            byte b = octets[i];
            if (b == '"') {
                i++;
                while (i < to && octets[i] != '"') {
                    i += octets[i] == '\\' ? 2 : 1;
                }
                i++;
            } else if (b == '(') {
                StringBuilder text = new StringBuilder();
                int open = ++i;
                int level = 1;
                while (i < to && level > 0) {
                    byte c = octets[i];
                    if (c == '\\' && i + 1 < to) {
                        text.append(new String(octets, open, i - open, StandardCharsets.UTF_8));
                        open = ++i;
                    } else if (c == '(') {
                        level++;
                    } else if (c == ')') {
                        level--;
                    }
                    i++;
                }
                int close = level == 0 ? i - 1 : i;
                text.append(new String(octets, open, close - open, StandardCharsets.UTF_8));
                String comment = WHITESPACE.matcher(text).replaceAll(" ").trim();
                if (!comment.isEmpty()) {
                    last = comment;
                }
            } else {
                i++;
            }
        }
        return last;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
