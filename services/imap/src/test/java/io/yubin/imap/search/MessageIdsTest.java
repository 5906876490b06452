package io.yubin.imap.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    @Test
    void readsEveryBracketedIdInOrderAcrossFields() {
        assertThat(MessageIds.parse(List.of("<a@x> <b@x>", "\r\n\t<c@x>"))).containsExactly("a@x", "b@x", "c@x");
    }

    @Test
    void skipsPhrasesCommentsAndEmptyIds() {
        assertThat(MessageIds.parse(List.of("Your message of today (sent) <a@x> <>"))).containsExactly("a@x");
    }

    @Test
    void removesWhitespaceInsideAnIdAndKeepsCase() {
        assertThat(MessageIds.parse(List.of("< Abc . Def @x >"))).containsExactly("Abc.Def@x");
    }

    @Test
    void anUnclosedOrNestedBracketDoesNotSwallowTheNextId() {
        assertThat(MessageIds.parse(List.of("<broken <a@x>"))).containsExactly("a@x");
        assertThat(MessageIds.parse(List.of("<a@x> <unclosed"))).containsExactly("a@x");
        assertThat(MessageIds.parse(List.of("no ids here"))).isEmpty();
    }
}
