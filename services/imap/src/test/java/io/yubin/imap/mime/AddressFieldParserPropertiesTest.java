package io.yubin.imap.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Address fields never make ENVELOPE fail or go out of grammar, and written lists read back. */
class AddressFieldParserPropertiesTest {

    /** Pieces of address syntax, right and wrong, for values that are mostly specials. */
    private static final List<String> PIECES = List.of("a", "Bob", "x.y", "@", "<", ">", ",", ";", ":", "\"",
            "\\", "(", ")", "[", "]", ".", " ", "\t", "example.org", "=?UTF-8?Q?J=C3=B6rg?=", "=?", "?=", "ë",
            "日本", "\u0000", "\r\n ", "group:", "@r.example:", "<>", "()", "\"\"");

    @Provide
    Arbitrary<String> fieldValues() {
        return Arbitraries.oneOf(Arbitraries.of(PIECES), Arbitraries.strings().ofMaxLength(4))
                .list().ofMaxSize(24).map(l -> String.join("", l));
    }

    @Property(tries = 2000)
    void anyFieldValueRendersAWellFormedAddressList(@ForAll("fieldValues") String value) {
        List<EnvelopeAddress> parsed = AddressFieldParser.parse(value);
        List<List<String>> entries = EnvelopeReader.addressList(
                EnvelopeAddress.render(new StringBuilder(), parsed).toString());
        EnvelopeReader.checkGroupsAndMailboxes(entries);
        assertThat(entries).hasSameSizeAs(parsed);
    }

    @Property(tries = 500)
    void anyHeaderOctetsGiveAWellFormedEnvelope(@ForAll @Size(max = 200) byte[] from,
            @ForAll("fieldValues") String to, @ForAll @Size(max = 200) byte[] cc) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        message.writeBytes("From: ".getBytes(StandardCharsets.US_ASCII));
        message.writeBytes(from);
        message.writeBytes(("\r\nTo: " + to + "\r\nCc: ").getBytes(StandardCharsets.UTF_8));
        message.writeBytes(cc);
        message.writeBytes("\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        MessageStructure s = MessageStructure.of(message.toByteArray());
        for (List<List<String>> list : EnvelopeReader.envelope(s.envelope())) {
            EnvelopeReader.checkGroupsAndMailboxes(list);
        }
        assertThat(MessageStructure.fromBytes(s.toBytes()).envelope()).isEqualTo(s.envelope());
    }

    /** An address list as a sender would mean it, and a way of writing it. */
    private record Written(List<EnvelopeAddress> meant, String field) {
    }

    @Property(tries = 1000)
    void writtenAddressListsReadBackAsMeant(@ForAll("writtenLists") Written written) {
        assertThat(AddressFieldParser.parse(written.field())).isEqualTo(written.meant());
    }

    @Provide
    Arbitrary<Written> writtenLists() {
        Arbitrary<Written> entry = Arbitraries.oneOf(mailboxes(), groups());
        return entry.list().ofMinSize(1).ofMaxSize(4).map(entries -> {
            List<EnvelopeAddress> meant = new ArrayList<>();
            List<String> fields = new ArrayList<>();
            for (Written w : entries) {
                meant.addAll(w.meant());
                fields.add(w.field());
            }
            return new Written(meant, String.join(", ", fields));
        });
    }

    private static Arbitrary<String> words(String chars) {
        return Arbitraries.strings().withChars(chars).ofMinLength(1).ofMaxLength(6).list().ofMinSize(1).ofMaxSize(3)
                .map(l -> String.join(" ", l));
    }

    private static Arbitrary<Written> mailboxes() {
        Arbitrary<String> local = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcxyz019").ofMinLength(1).ofMaxLength(8),
                Arbitraries.strings().withChars("ab.-_+").ofMinLength(1).ofMaxLength(3).map(s -> "a" + s + "z"));
        Arbitrary<String> quotedLocal = words("ab() ,;<>@");
        Arbitrary<String> domain = Arbitraries.of("example.org", "mail.example.org", "[192.0.2.1]", "exämple.org");
        Arbitrary<String> phrase = Arbitraries.oneOf(words("abcXYZ09"), Arbitraries.of("=?UTF-8?Q?J=C3=B6rg?="));
        Arbitrary<String> quotedName = words("abcXYZ09,.:;@<>()ëä");
        Arbitrary<String> commentName = words("abcXYZ09\"<>,;:@()\\ë");
        Arbitrary<Integer> form = Arbitraries.integers().between(0, 5);
        return Combinators.combine(form, local, quotedLocal, domain, phrase, quotedName, commentName)
                .as((f, l, ql, d, p, qn, cn) -> switch (f) {
                    case 0 -> written(new EnvelopeAddress.Mailbox(null, null, l, d), l + "@" + d);
                    case 1 -> written(new EnvelopeAddress.Mailbox(p, null, l, d), p + " <" + l + "@" + d + ">");
                    case 2 -> written(new EnvelopeAddress.Mailbox(qn, null, l, d),
                            "\"" + qn + "\" <" + l + "@" + d + ">");
                    case 3 -> written(new EnvelopeAddress.Mailbox(cn, null, l, d), l + "@" + d + " " + comment(cn));
                    case 4 -> written(new EnvelopeAddress.Mailbox(cn, null, ql, d),
                            "\"" + ql + "\"@" + d + " " + comment(cn));
                    default -> written(new EnvelopeAddress.Mailbox(p, "@r.example", l, d),
                            p + " <@r.example:" + l + "@" + d + ">");
                });
    }

    private static Written written(EnvelopeAddress.Mailbox meant, String field) {
        return new Written(List.of(meant), field);
    }

    /** A comment holding {@code text}, its backslashes and parentheses as quoted-pairs. */
    private static String comment(String text) {
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")";
    }

    private static Arbitrary<Written> groups() {
        return Combinators.combine(words("abcXYZ-"), mailboxes().list().ofMaxSize(3)).as((name, members) -> {
            List<EnvelopeAddress> meant = new ArrayList<>();
            meant.add(new EnvelopeAddress.GroupStart(name));
            List<String> fields = new ArrayList<>();
            for (Written m : members) {
                meant.addAll(m.meant());
                fields.add(m.field());
            }
            meant.add(new EnvelopeAddress.GroupEnd());
            return new Written(meant, name + ": " + String.join(", ", fields) + ";");
        });
    }
}
