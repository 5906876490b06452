package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    private final PasswordHasher hasher = new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1));

    @Test
    void producesArgon2idPhcStringsWithTheirParameters() {
        String phc = hasher.hash("correct horse battery".toCharArray());
        assertThat(phc).startsWith("$argon2id$v=19$m=1024,t=1,p=1$");
        assertThat(phc.split("\\$")).hasSize(6);
    }

    @Test
    void verifiesTheRightPasswordAndRefusesAWrongOne() {
        String phc = hasher.hash("correct horse battery".toCharArray());
        assertThat(hasher.verify(phc, "correct horse battery".toCharArray())).isTrue();
        assertThat(hasher.verify(phc, "correct horse batterz".toCharArray())).isFalse();
    }

    @Test
    void saltsEveryHash() {
        assertThat(hasher.hash("same password!".toCharArray())).isNotEqualTo(hasher.hash("same password!".toCharArray()));
    }

    @Test
    void verifiesHashesMadeWithOtherParametersAndFlagsThemForRehash() {
        PasswordHasher strong = new PasswordHasher(new PasswordHasher.Parameters(2048, 2, 1));
        String old = hasher.hash("un mot de passe".toCharArray());
        assertThat(strong.verify(old, "un mot de passe".toCharArray())).isTrue();
        assertThat(strong.needsRehash(old)).isTrue();
        assertThat(strong.needsRehash(strong.hash("x".toCharArray()))).isFalse();
    }

    @Test
    void matchesTheRfc9106StyleUtf8EncodingOfNonAsciiPasswords() {
        String phc = hasher.hash("pässwörd-ünïcode".toCharArray());
        assertThat(hasher.verify(phc, "pässwörd-ünïcode".toCharArray())).isTrue();
        assertThat(hasher.verify(phc, "passwort-unicode".toCharArray())).isFalse();
    }

    @Test
    void treatsMalformedHashesAsNoMatch() {
        assertThat(hasher.verify("", "x".toCharArray())).isFalse();
        assertThat(hasher.verify("$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", "x".toCharArray())).isFalse();
        assertThat(hasher.verify("$argon2id$v=19$m=zz,t=1,p=1$c2FsdA$aGFzaA", "x".toCharArray())).isFalse();
        assertThat(hasher.verify("$argon2id$v=19$m=1024,t=1,p=1$%%%$aGFzaA", "x".toCharArray())).isFalse();
    }
}
