package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DkimKeyRecordTest {

    @Test
    void readsTheTagsOfSection361() throws Exception {
        DkimKeyRecord key = DkimKeyRecord.parse("v=DKIM1; k=ED25519; h=sha256:sha512; s=email:*; t=y:s:z;"
                + " n=notes; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");

        assertThat(key.keyType()).isEqualTo("ed25519");
        assertThat(key.hashes()).containsExactlyInAnyOrder("sha256", "sha512");
        assertThat(key.services()).containsExactlyInAnyOrder("email", "*");
        assertThat(key.testing()).isTrue();
        assertThat(key.strict()).isTrue();
        assertThat(key.publicKey()).hasSize(32);
        assertThat(key.toPublicKey().getAlgorithm()).isIn("EdDSA", "Ed25519");
        assertThat(key.allows(DkimAlgorithm.ED25519_SHA256)).isTrue();
    }

    @Test
    void defaultsAreRsaAnyHashAnyServiceNoFlags() throws Exception {
        DkimKeyRecord key = DkimKeyRecord.parse("p=" + TestKeys.publicKeyValue(TestKeys.RSA_2048));

        assertThat(key.keyType()).isEqualTo("rsa");
        assertThat(key.allows(DkimAlgorithm.RSA_SHA256)).isTrue();
        assertThat(key.forEmail()).isTrue();
        assertThat(key.testing()).isFalse();
        assertThat(key.strict()).isFalse();
        assertThat(DkimKeyRecord.rsaBits(key.toPublicKey())).isEqualTo(2048);
    }

    @Test
    void anEmptyPRevokesTheKey() throws Exception {
        assertThat(DkimKeyRecord.parse("v=DKIM1; p=").revoked()).isTrue();
    }

    @Test
    void hAndSRestrictTheKey() throws Exception {
        DkimKeyRecord key = DkimKeyRecord.parse("h=sha1; s=tlsrpt; p=AAAA");

        assertThat(key.allows(DkimAlgorithm.RSA_SHA256)).isFalse();
        assertThat(key.forEmail()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=DKIM2; p=AAAA", "k=rsa; v=DKIM1; p=AAAA", "v=dkim1; p=AAAA", "v=DKIM1; k=rsa",
        "p=!!!", "v=spf1 -all"})
    void refusesRecordsSection361Discards(String text) {
        assertThatThrownBy(() -> DkimKeyRecord.parse(text)).isInstanceOf(DkimFormatException.class);
    }

    @Test
    void refusesAnEd25519KeyThatIsNot32Bytes() throws Exception {
        DkimKeyRecord key = DkimKeyRecord.parse("k=ed25519; p=" + TestKeys.publicKeyValue(TestKeys.RSA_2048));

        assertThatThrownBy(key::toPublicKey).hasMessage("Ed25519 key is not 32 bytes");
    }
}
