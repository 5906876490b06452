package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class Pop3CommandParserTest {

    private static Pop3Command parse(String line) {
        return Pop3CommandParser.parse(line);
    }

    @Test
    void parsesEveryCommandOfRfc1939AndItsExtensions() {
        assertThat(parse("USER alice@example.test")).isEqualTo(new Pop3Command.User("alice@example.test"));
        assertThat(parse("PASS a secret with  spaces ")).isEqualTo(new Pop3Command.Pass("a secret with  spaces "));
        assertThat(parse("STAT")).isEqualTo(new Pop3Command.Stat());
        assertThat(parse("LIST")).isEqualTo(new Pop3Command.ListMessages(0));
        assertThat(parse("LIST 7")).isEqualTo(new Pop3Command.ListMessages(7));
        assertThat(parse("RETR 12")).isEqualTo(new Pop3Command.Retr(12));
        assertThat(parse("DELE 3")).isEqualTo(new Pop3Command.Dele(3));
        assertThat(parse("NOOP")).isEqualTo(new Pop3Command.Noop());
        assertThat(parse("RSET")).isEqualTo(new Pop3Command.Rset());
        assertThat(parse("QUIT")).isEqualTo(new Pop3Command.Quit());
        assertThat(parse("TOP 1 0")).isEqualTo(new Pop3Command.Top(1, 0));
        assertThat(parse("UIDL")).isEqualTo(new Pop3Command.Uidl(0));
        assertThat(parse("UIDL 2")).isEqualTo(new Pop3Command.Uidl(2));
        assertThat(parse("CAPA")).isEqualTo(new Pop3Command.Capa());
        assertThat(parse("STLS")).isEqualTo(new Pop3Command.Stls());
        assertThat(parse("AUTH")).isEqualTo(new Pop3Command.Auth(null, null));
        assertThat(parse("AUTH plain")).isEqualTo(new Pop3Command.Auth("PLAIN", null));
        assertThat(parse("AUTH PLAIN AGFsaWNlAHNlY3JldA==")).isEqualTo(new Pop3Command.Auth("PLAIN", "AGFsaWNlAHNlY3JldA=="));
    }

    @Test
    void keywordsAreCaseInsensitiveAndExtraSpacesTolerated() {
        assertThat(parse("retr 5")).isEqualTo(new Pop3Command.Retr(5));
        assertThat(parse("Top  5  10 ")).isEqualTo(new Pop3Command.Top(5, 10));
        assertThat(parse("quit ")).isEqualTo(new Pop3Command.Quit());
    }

    @Test
    void rejectsMalformedCommandsWithAReason() {
        assertThat(parse("")).isEqualTo(new Pop3Command.Invalid("", "empty command"));
        assertThat(parse("XTND XMIT")).isEqualTo(new Pop3Command.Invalid("", "unknown command"));
        assertThat(parse("RE7R 1")).isEqualTo(new Pop3Command.Invalid("", "unknown command"));
        assertThat(parse(" STAT")).isEqualTo(new Pop3Command.Invalid("", "unknown command"));
        assertThat(parse("APOP mrose c4c9334bac560ecc979e58001b3e22fb")).isEqualTo(
                new Pop3Command.Invalid("APOP", "APOP is not supported"));
        assertThat(parse("PASS")).isEqualTo(new Pop3Command.Invalid("PASS", "PASS needs a password"));
        assertThat(parse("PASS a\0b")).isEqualTo(new Pop3Command.Invalid("PASS", "control characters in the password"));
        assertThat(parse("USER")).isEqualTo(new Pop3Command.Invalid("USER", "USER takes exactly one argument"));
        assertThat(parse("USER a b")).isEqualTo(new Pop3Command.Invalid("USER", "USER takes exactly one argument"));
        assertThat(parse("USER a\tb")).isEqualTo(new Pop3Command.Invalid("USER", "control characters in the command"));
        assertThat(parse("RETR")).isEqualTo(new Pop3Command.Invalid("RETR", "RETR takes exactly one message number"));
        assertThat(parse("RETR 0")).isEqualTo(new Pop3Command.Invalid("RETR", "invalid message number"));
        assertThat(parse("RETR -1")).isEqualTo(new Pop3Command.Invalid("RETR", "invalid message number"));
        assertThat(parse("RETR +1")).isEqualTo(new Pop3Command.Invalid("RETR", "invalid message number"));
        assertThat(parse("RETR 1234567890123456789")).isEqualTo(new Pop3Command.Invalid("RETR", "invalid message number"));
        assertThat(parse("DELE 1 2")).isEqualTo(new Pop3Command.Invalid("DELE", "DELE takes exactly one message number"));
        assertThat(parse("LIST 0")).isEqualTo(new Pop3Command.Invalid("LIST", "invalid message number"));
        assertThat(parse("UIDL 1 2")).isEqualTo(new Pop3Command.Invalid("UIDL", "UIDL takes at most one message number"));
        assertThat(parse("TOP 1 x")).isEqualTo(new Pop3Command.Invalid("TOP", "invalid line count"));
        assertThat(parse("TOP 0 1")).isEqualTo(new Pop3Command.Invalid("TOP", "invalid message number"));
        assertThat(parse("STAT 1")).isEqualTo(new Pop3Command.Invalid("STAT", "STAT takes no arguments"));
        assertThat(parse("AUTH PLAIN a b")).isEqualTo(new Pop3Command.Invalid("AUTH",
                "AUTH takes a mechanism and an optional initial response"));
    }

    @Test
    void secretsNeverShowInToString() {
        assertThat(parse("PASS hunter2").toString()).doesNotContain("hunter2");
        assertThat(parse("AUTH PLAIN AGFsaWNlAHNlY3JldA==").toString()).doesNotContain("AGFsaWNl");
    }

    @Property
    void neverThrowsOnAnyInput(@ForAll String line) {
        assertThat(parse(line)).isNotNull();
    }

    @Property
    void neverThrowsOnCommandLikeInput(@ForAll("commandLike") String line) {
        Pop3Command command = parse(line);
        assertThat(command).isNotNull();
        if (!(command instanceof Pop3Command.Invalid)) {
            assertThat(line.toUpperCase()).startsWith(command.keyword());
        }
    }

    @Provide
    Arbitrary<String> commandLike() {
        Arbitrary<String> keyword = Arbitraries.of("USER", "PASS", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET",
                "QUIT", "TOP", "UIDL", "CAPA", "STLS", "AUTH", "APOP", "list", "Retr");
        Arbitrary<String> argument = Arbitraries.oneOf(
                Arbitraries.longs().between(-5, Long.MAX_VALUE).map(String::valueOf),
                Arbitraries.strings().withChars("0123456789 +-.xAZ=\t").ofMaxLength(12));
        return net.jqwik.api.Combinators.combine(keyword, argument.list().ofMaxSize(3))
                .as((k, args) -> args.isEmpty() ? k : k + " " + String.join(" ", args));
    }

    @Property
    void messageNumbersRoundTrip(@ForAll @LongRange(min = 1, max = 999_999_999_999_999_999L) long n,
            @ForAll @LongRange(min = 0, max = 999_999_999_999_999_999L) long lines) {
        assertThat(parse("RETR " + n)).isEqualTo(new Pop3Command.Retr(n));
        assertThat(parse("dele " + n)).isEqualTo(new Pop3Command.Dele(n));
        assertThat(parse("LIST " + n)).isEqualTo(new Pop3Command.ListMessages(n));
        assertThat(parse("UIDL " + n)).isEqualTo(new Pop3Command.Uidl(n));
        assertThat(parse("TOP " + n + " " + lines)).isEqualTo(new Pop3Command.Top(n, lines));
    }

    @Property
    void passKeepsAnyPrintablePasswordVerbatim(@ForAll("passwords") String password) {
        assertThat(parse("PASS " + password)).isEqualTo(new Pop3Command.Pass(password));
    }

    @Provide
    Arbitrary<String> passwords() {
        return Arbitraries.strings().all().excludeChars('\0', '\r', '\n').ofMinLength(1).ofMaxLength(100);
    }
}
