package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TotpCodesTest {

    private static final byte[] SHA1_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    /** RFC 6238 Appendix B: the test vectors, 8 digits, with the seeds of each HMAC. */
    @ParameterizedTest
    @CsvSource({
        "59, 94287082, 46119246, 90693936",
        "1111111109, 07081804, 68084774, 25091201",
        "1111111111, 14050471, 67062674, 99943326",
        "1234567890, 89005924, 91819424, 93441116",
        "2000000000, 69279037, 90698825, 38618901",
        "20000000000, 65353130, 77737706, 47863826"})
    void matchesTheTestVectorsOfRfc6238(long time, String sha1, String sha256, String sha512) {
        long step = time / 30;
        assertThat(TotpCodes.code(SHA1_SEED, step, 8, "HmacSHA1")).isEqualTo(sha1);
        assertThat(TotpCodes.code("1234567890".repeat(4).substring(0, 32).getBytes(StandardCharsets.US_ASCII), step, 8,
                "HmacSHA256")).isEqualTo(sha256);
        assertThat(TotpCodes.code("1234567890".repeat(7).substring(0, 64).getBytes(StandardCharsets.US_ASCII), step,
                8, "HmacSHA512")).isEqualTo(sha512);
    }

    @Test
    void sixDigitCodesFromABase32SecretAreTheLastSixOfTheVectors() {
        String secret = TotpCodes.base32(SHA1_SEED);
        assertThat(secret).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assertThat(TotpCodes.code(secret, Instant.ofEpochSecond(59))).isEqualTo("287082");
        assertThat(TotpCodes.code(secret, Instant.ofEpochSecond(1111111109))).isEqualTo("081804");
    }

    @Test
    void verifyAcceptsOneStepEitherSideAndNothingElse() {
        String secret = TotpCodes.base32(SHA1_SEED);
        Instant at = Instant.ofEpochSecond(1234567890);
        assertThat(TotpCodes.verify(secret, TotpCodes.code(secret, at), at)).isTrue();
        assertThat(TotpCodes.verify(secret, " " + TotpCodes.code(secret, at.minusSeconds(30)), at)).isTrue();
        assertThat(TotpCodes.verify(secret, TotpCodes.code(secret, at.plusSeconds(30)), at)).isTrue();
        assertThat(TotpCodes.verify(secret, TotpCodes.code(secret, at.minusSeconds(60)), at)).isFalse();
        assertThat(TotpCodes.verify(secret, TotpCodes.code(secret, at.plusSeconds(60)), at)).isFalse();
        assertThat(TotpCodes.verify(secret, "12345", at)).isFalse();
        assertThat(TotpCodes.verify(secret, "abcdef", at)).isFalse();
    }

    @Test
    void secretsAre160BitsAndRoundTripThroughBase32() {
        String secret = TotpCodes.newSecret(new SecureRandom());
        assertThat(secret).hasSize(32).matches("[A-Z2-7]+");
        assertThat(TotpCodes.base32Decode(secret)).hasSize(20);
        assertThat(TotpCodes.base32(TotpCodes.base32Decode(secret.toLowerCase()))).isEqualTo(secret);
    }

    @Test
    void theUriFollowsTheKeyUriFormat() {
        assertThat(TotpCodes.uri("user@example.com", "JBSWY3DPEHPK3PXP")).isEqualTo(
                "otpauth://totp/Yubin:user@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Yubin&algorithm=SHA1"
                        + "&digits=6&period=30");
    }
}
