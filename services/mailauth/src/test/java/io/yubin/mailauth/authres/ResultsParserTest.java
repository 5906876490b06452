package io.yubin.mailauth.authres;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ResultsParserTest {

    @Test
    void readsTheExamplesOfRfc8601AppendixB() {
        // B.2
        assertThat(ResultsParser.parse(" example.org 1; none").results()).isEmpty();
        assertThat(ResultsParser.parse(" example.org 1; none").authservId()).isEqualTo("example.org");
        // B.4
        ResultsParser.Parsed b4 = ResultsParser.parse(" example.com;\r\n"
                + "                  auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
                + "                  spf=pass smtp.mailfrom=example.net");
        assertThat(b4.results()).extracting(ResultsParser.Result::method).containsExactly("auth", "spf");
        assertThat(b4.first("auth").orElseThrow().properties()).containsEntry("smtp.auth", "sender@example.net");
        assertThat(b4.first("spf").orElseThrow().properties()).containsEntry("smtp.mailfrom", "example.net");
        // B.6, with a comment before the authserv-id and a method version
        ResultsParser.Parsed b6 = ResultsParser.parse(" (comment) example.com;\r\n"
                + "              dkim/1=pass (good signature) header.d=mail-router.example.net;\r\n"
                + "              dkim=fail (bad signature) header.d=newyork.example.com");
        assertThat(b6.authservId()).isEqualTo("example.com");
        assertThat(b6.results()).extracting(ResultsParser.Result::result).containsExactly("pass", "fail");
    }

    @Test
    void readsTheAuthservIdAloneAndQuotedIds() {
        assertThat(ResultsParser.authservId(" \"mx.example.com\"; spf=pass")).contains("mx.example.com");
        assertThat(ResultsParser.authservId("mx.example.com;spf=pass")).contains("mx.example.com");
        assertThat(ResultsParser.authservId("   ")).isEmpty();
    }

    @Test
    void stopsAtWhatDoesNotFollowTheGrammar() {
        ResultsParser.Parsed p = ResultsParser.parse(" mx.example.com; spf=pass smtp.mailfrom=a@b; ;;; garbage");
        assertThat(p.results()).hasSize(1);
    }

    @Property
    void anyValueParsesWithoutFailing(@ForAll String value) {
        ResultsParser.Parsed parsed = ResultsParser.parse(value);
        assertThat(parsed.results()).allSatisfy(r -> assertThat(r.method()).isNotEmpty());
    }
}
