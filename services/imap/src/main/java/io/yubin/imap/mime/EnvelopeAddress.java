package io.yubin.imap.mime;

import io.yubin.imap.ImapStrings;
import java.util.List;
import java.util.Optional;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;

/**
 * One entry of an address list as ENVELOPE gives it (RFC 9051 §7.5.2, RFC 3501 §7.4.2): a mailbox,
 * or the start or end of a group. {@link AddressFieldParser} reads a header field into these;
 * ENVELOPE renders them and SORT takes its first mailbox, so both read an address field alike.
 */
public sealed interface EnvelopeAddress {

    /** Host name for a mailbox without one: a NIL host would make it a group start (as Dovecot does). */
    String MISSING_DOMAIN = "MISSING_DOMAIN";
    /** Mailbox name for an address without a local part, e.g. {@code Name <@example.org>}. */
    String MISSING_MAILBOX = "MISSING_MAILBOX";

    /**
     * A mailbox. Every component is null when absent, never empty.
     *
     * @param name the display name as written, RFC 2047 encoded words kept (clients decode them, as
     *     they do the Subject); with no display name, the text of the address's last comment, as an
     *     address written the old way, {@code user@example.org (Real Name)}, names its owner
     * @param route the obsolete source route, e.g. {@code @a.example,@b.example}
     * @param localPart the local part with its quoting removed
     */
    record Mailbox(String name, String route, String localPart, String domain) implements EnvelopeAddress {

        /** The name with RFC 2047 encoded words decoded and outer whitespace trimmed; null when none. */
        public String decodedName() {
            return name == null ? null : DecoderUtil.decodeEncodedWords(name, DecodeMonitor.SILENT).trim();
        }

        /** {@code local@domain}, or what there is of it; the empty string when neither is known. */
        public String addrSpec() {
            String local = localPart == null ? "" : localPart;
            return domain == null ? local : local + "@" + domain;
        }
    }

    /** RFC 9051 §7.5.2 start of group: the group name as mailbox name, host NIL. */
    record GroupStart(String name) implements EnvelopeAddress {
    }

    /** RFC 9051 §7.5.2 end of group: every component NIL. */
    record GroupEnd() implements EnvelopeAddress {
    }

    /**
     * The first address of a list as SORT compares it (RFC 5256 §3 "the first address", RFC 5957): the
     * list's first address structure as ENVELOPE gives it. When the list opens with a group, that is
     * the group's start, whose mailbox name is the group's name (RFC 9051 §7.5.2): it comes back as a
     * mailbox of that local part, without name or domain, members or none (as Dovecot sorts it).
     */
    static Optional<Mailbox> first(List<EnvelopeAddress> addresses) {
        for (EnvelopeAddress a : addresses) {
            if (a instanceof Mailbox m) {
                return Optional.of(m);
            }
            if (a instanceof GroupStart g) {
                return Optional.of(new Mailbox(null, null, g.name(), null));
            }
        }
        return Optional.empty();
    }

    /** Appends the list as an envelope address list: NIL when empty, else {@code (address...)}. */
    static StringBuilder render(StringBuilder out, List<EnvelopeAddress> addresses) {
        if (addresses.isEmpty()) {
            return out.append("NIL");
        }
        out.append('(');
        for (EnvelopeAddress a : addresses) {
            out.append('(');
            if (a instanceof Mailbox m) {
                ImapStrings.appendNString(out, m.name(), false).append(' ');
                ImapStrings.appendNString(out, m.route(), false).append(' ');
                ImapStrings.appendString(out, m.localPart() == null ? MISSING_MAILBOX : m.localPart(), false)
                        .append(' ');
                ImapStrings.appendString(out, m.domain() == null ? MISSING_DOMAIN : m.domain(), false);
            } else if (a instanceof GroupStart g) {
                ImapStrings.appendString(out.append("NIL NIL "), g.name(), false).append(" NIL");
            } else {
                out.append("NIL NIL NIL NIL");
            }
            out.append(')');
        }
        return out.append(')');
    }
}
