package io.yubin.imap.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MessageStructureTest {

    static final String MESSAGE = "From: Bob <bob@example.org>\r\nSubject: =?UTF-8?B?5L2g5aW9?=\r\n"
            + "X-Long: one\r\n two\r\n\r\nHello\r\n";

    @Test
    void storedFormKeepsTheDecodedTopLevelFieldsInOrder() {
        MessageStructure s = MessageStructure.of(MESSAGE.getBytes(StandardCharsets.UTF_8));
        MessageStructure back = MessageStructure.fromBytes(s.toBytes());
        assertThat(back.current()).isTrue();
        assertThat(back.envelope()).isEqualTo(s.envelope());
        assertThat(back.bodyStructure()).isEqualTo(s.bodyStructure());
        assertThat(back.body()).isEqualTo(s.body());
        assertThat(back.headers()).get().asList().containsExactly(new MimePart.Field("From", "Bob <bob@example.org>"),
                new MimePart.Field("Subject", "你好"), new MimePart.Field("X-Long", "one two"));
        assertThat(back.parts()).isEqualTo(s.parts()).get().extracting(MessageStructure.Part::bodyStart)
                .isEqualTo(MESSAGE.indexOf("Hello"));
    }

    @Test
    void sectionsOfAStoredMultipartAreLocatedWithTheirEncoding() {
        String m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n";
        MessageStructure.Part root = MessageStructure.fromBytes(MessageStructure.of(
                m.getBytes(StandardCharsets.UTF_8)).toBytes()).parts().orElseThrow();
        MessageStructure.Located two = MessageStructure.locate(root,
                new SectionSpec(java.util.List.of(2), SectionSpec.Text.ALL, java.util.List.of())).orElseThrow();
        assertThat(m.substring(two.range().offset(), two.range().offset() + two.range().length())).isEqualTo("AAEC");
        assertThat(two.encoding()).isEqualTo("base64");
        assertThat(MessageStructure.locate(root,
                new SectionSpec(java.util.List.of(3), SectionSpec.Text.ALL, java.util.List.of()))).isEmpty();
    }

    @Test
    void aHeaderBlockOverTheLimitIsNotKept() {
        String big = "Subject: big\r\nX-Big: " + "a".repeat(MessageStructure.HEADER_LIMIT) + "\r\n\r\nbody\r\n";
        MessageStructure s = MessageStructure.fromBytes(MessageStructure.of(big.getBytes(StandardCharsets.UTF_8))
                .toBytes());
        assertThat(s.current()).isTrue();
        assertThat(s.headers()).isEmpty();
    }

    @Test
    void theFirstMailboxesOfFromToAndCcAreStored() {
        MessageStructure back = MessageStructure.fromBytes(MessageStructure.of(("From: bob@example.org (Bob)\r\n"
                + "To: team:;, Zoë <zoë@example.org>\r\nCc: Zoë <zoë@example.org>\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.UTF_8)).toBytes());
        assertThat(back.firstMailbox("From")).contains(new EnvelopeAddress.Mailbox("Bob", null, "bob", "example.org"));
        assertThat(back.firstMailbox("TO")).contains(new EnvelopeAddress.Mailbox(null, null, "team", null));
        assertThat(back.firstMailbox("Cc")).contains(new EnvelopeAddress.Mailbox("Zoë", null, "zoë", "example.org"));
        assertThatThrownBy(() -> back.firstMailbox("Bcc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void olderFormatsAreRefusedSoTheirEnvelopesAreComputedAgain() throws Exception {
        byte[] v1 = io.yubin.imap.StoredStructureFormats.formatOne("(env)", "(bs)", "(b)");
        assertThatThrownBy(() -> MessageStructure.fromBytes(v1)).isInstanceOf(IllegalArgumentException.class);
        byte[] current = MessageStructure.of(MESSAGE.getBytes(StandardCharsets.UTF_8)).toBytes();
        assertThat(MessageStructure.fromBytes(current).current()).isTrue();
        for (byte older = 1; older < MessageStructure.FORMAT; older++) {
            byte[] stored = current.clone();
            stored[0] = older;
            assertThatThrownBy(() -> MessageStructure.fromBytes(stored)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void unknownOrDamagedFormsAreRefused() {
        byte[] current = MessageStructure.of(MESSAGE.getBytes(StandardCharsets.UTF_8)).toBytes();
        byte[] unknown = current.clone();
        unknown[0] = 99;
        assertThatThrownBy(() -> MessageStructure.fromBytes(unknown)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageStructure.fromBytes(Arrays.copyOf(current, current.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageStructure.fromBytes(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
