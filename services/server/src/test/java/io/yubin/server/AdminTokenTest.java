package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    @TempDir
    Path dataDir;

    @Test
    void firstStartGeneratesA256BitUrlSafeTokenReadableByTheOwnerOnly() throws IOException {
        String token = AdminToken.loadOrCreate(dataDir);

        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(Base64.getUrlDecoder().decode(token)).hasSize(32);
        Path file = dataDir.resolve("admin-token");
        assertThat(Files.readString(file).strip()).isEqualTo(token);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aTokenNeverBeginsWithADashSoThatTokenCanBeGivenAsAnOptionValue() {
        // The first octet decides the first character: 0xf8..0xfb encode as '-' (62) in URL-safe base64.
        java.security.SecureRandom dashFirst = new java.security.SecureRandom() {
            private int calls;

            @Override
            public void nextBytes(byte[] bytes) {
                super.nextBytes(bytes);
                if (calls++ < 3) {
                    bytes[0] = (byte) 0xf8;
                }
            }
        };
        String token = AdminToken.generate(dashFirst);
        assertThat(token).doesNotStartWith("-");
        assertThat(Base64.getUrlDecoder().decode(token)).hasSize(32);
        for (int i = 0; i < 2000; i++) {
            assertThat(AdminToken.generate(new java.security.SecureRandom())).doesNotStartWith("-");
        }
    }

    @Test
    void laterStartsReuseTheToken() throws IOException {
        String first = AdminToken.loadOrCreate(dataDir);

        assertThat(AdminToken.loadOrCreate(dataDir)).isEqualTo(first);
    }

    @Test
    void tokensDifferBetweenDataDirectories(@TempDir Path other) throws IOException {
        assertThat(AdminToken.loadOrCreate(dataDir)).isNotEqualTo(AdminToken.loadOrCreate(other));
    }

    @Test
    void emptyTokenFileIsAnErrorSayingHowToRecover() throws IOException {
        Files.writeString(dataDir.resolve("admin-token"), "\n");

        assertThatThrownBy(() -> AdminToken.loadOrCreate(dataDir))
                .hasMessageContaining("is empty; delete it to generate a new token");
    }
}
