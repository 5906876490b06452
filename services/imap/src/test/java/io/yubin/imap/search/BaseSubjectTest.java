package io.yubin.imap.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class BaseSubjectTest {

    private static final List<String> TOKENS = List.of("Re", "RE", "Fwd", "fw", ":", " ", "  ", "\t", "[", "]",
            "[list]", "(fwd)", "[Fwd:", "x", "hello", "é", "Ref");

    @Provide
    Arbitrary<String> subjects() {
        return Arbitraries.of(TOKENS).list().ofMaxSize(12).map(l -> String.join("", l));
    }

    @Property
    void extractionIsIdempotent(@ForAll("subjects") String subject) {
        String base = Sorter.baseSubject(subject);
        assertThat(Sorter.baseSubject(base)).isEqualTo(base);
    }

    @Property
    void baseSubjectHasNoOuterWhitespaceNorReplyLeader(@ForAll("subjects") String subject) {
        String base = Sorter.baseSubject(subject);
        assertThat(base).doesNotStartWith(" ").doesNotEndWith(" ").doesNotContain("\t").doesNotContain("  ");
        assertThat(base.toLowerCase()).doesNotStartWith("re:").doesNotStartWith("fwd:").doesNotStartWith("fw:")
                .doesNotEndWith("(fwd)");
    }

    @Property
    void aReplyPrefixMarksAReplyWithTheSameBase(@ForAll("subjects") String subject) {
        BaseSubject plain = BaseSubject.extract(subject);
        BaseSubject reply = BaseSubject.extract("Re: " + subject);
        assertThat(reply.replyOrForward()).isTrue();
        assertThat(reply.base()).isEqualTo(plain.base());
    }
}
