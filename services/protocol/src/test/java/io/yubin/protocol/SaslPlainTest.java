package io.yubin.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SaslPlainTest {

    private static String encode(String message) {
        return Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8));
    }

    private static SaslPlain.Credentials credentials(SaslPlain.Outcome outcome) {
        assertThat(outcome).isInstanceOf(SaslPlain.Credentials.class);
        return (SaslPlain.Credentials) outcome;
    }

    @Test
    void decodesLoginAndPasswordWithAnEmptyAuthorizationIdentity() {
        SaslPlain.Credentials c = credentials(SaslPlain.decode(encode("\0alice@example.org\0pass wörd")));
        assertThat(c.login()).isEqualTo("alice@example.org");
        assertThat(c.password()).containsExactly("pass wörd".toCharArray());
    }

    @Test
    void acceptsTheLoginAsAuthorizationIdentityIgnoringCaseOfTheAddress() {
        assertThat(credentials(SaslPlain.decode(encode("Alice@EXAMPLE.org\0alice@example.org\0pw"))).login())
                .isEqualTo("alice@example.org");
        // The domain compares by A-label, as the directory compares addresses.
        assertThat(credentials(SaslPlain.decode(encode("bob@bücher.example\0BOB@xn--bcher-kva.example\0pw"))).login())
                .isEqualTo("BOB@xn--bcher-kva.example");
        // Not an address: the same text ignoring case.
        assertThat(credentials(SaslPlain.decode(encode("Admin\0admin\0pw"))).login()).isEqualTo("admin");
    }

    @Test
    void refusesAnotherAuthorizationIdentityAsAnAuthorizationFailure() {
        assertThat(SaslPlain.decode(encode("bob@example.org\0alice@example.org\0pw")))
                .isEqualTo(new SaslPlain.NotAuthorized("bob@example.org", "alice@example.org"));
        assertThat(SaslPlain.decode(encode("alice@example.net\0alice@example.org\0pw")))
                .isInstanceOf(SaslPlain.NotAuthorized.class);
    }

    @Test
    void tellsBadBase64FromAMalformedMessage() {
        assertThat(SaslPlain.decode("!!!")).isEqualTo(new SaslPlain.Malformed(SaslPlain.Problem.NOT_BASE64));
        for (String message : new String[] {"", "alice\0pw", "\0\0pw", "\0alice\0", "a\0b\0c\0d", "\0alice\0p\0w"}) {
            assertThat(SaslPlain.decode(encode(message))).as(message.replace("\0", "<NUL>"))
                    .isEqualTo(new SaslPlain.Malformed(SaslPlain.Problem.MALFORMED));
        }
        // "=" is the empty response of SASL-IR and AUTH initial responses: not PLAIN either.
        assertThat(SaslPlain.decode("=")).isEqualTo(new SaslPlain.Malformed(SaslPlain.Problem.MALFORMED));
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] message = {0, 'a', 0, (byte) 0xC3, (byte) 0x28};
        assertThat(SaslPlain.decode(Base64.getEncoder().encodeToString(message)))
                .isEqualTo(new SaslPlain.Malformed(SaslPlain.Problem.MALFORMED));
    }

    @Test
    void wipeOverwritesThePassword() {
        SaslPlain.Credentials c = credentials(SaslPlain.decode(encode("\0alice@example.org\0secret")));
        char[] password = c.password();
        c.wipe();
        assertThat(password).containsOnly('\0');
        assertThat(c.toString()).doesNotContain("secret");
    }

    @Property
    void decodesWhatAClientEncodes(@ForAll("identities") String login, @ForAll("secrets") String password) {
        SaslPlain.Credentials c = credentials(SaslPlain.decode(" " + encode("\0" + login + "\0" + password) + "\r\n"));
        assertThat(c.login()).isEqualTo(login);
        assertThat(new String(c.password())).isEqualTo(password);
    }

    @Property
    void neverThrowsOnArbitraryInput(@ForAll String response) {
        assertThat(SaslPlain.decode(response)).isNotNull();
    }

    @Provide
    Arbitrary<String> identities() {
        return Arbitraries.strings().all().excludeChars('\0')
                .ofMinLength(1).ofMaxLength(64).filter(SaslPlainTest::validUtf16);
    }

    @Provide
    Arbitrary<String> secrets() {
        return Arbitraries.strings().all().excludeChars('\0').ofMinLength(1).ofMaxLength(255)
                .filter(SaslPlainTest::validUtf16);
    }

    private static boolean validUtf16(String s) {
        return StandardCharsets.UTF_8.newEncoder().canEncode(s);
    }
}
