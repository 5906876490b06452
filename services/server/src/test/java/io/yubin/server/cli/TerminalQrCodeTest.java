package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.decoder.Decoder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TerminalQrCodeTest {

    private static final String URI = "otpauth://totp/Yubin:alice@example.test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            + "&issuer=Yubin&algorithm=SHA1&digits=6&period=30";

    @Test
    void thePrintedCodeDecodesToTheUriAndHasAQuietZone() throws Exception {
        List<String> lines = TerminalQrCode.render(URI).lines().toList();
        int width = lines.get(0).length();
        assertThat(lines).allSatisfy(line -> assertThat(line).hasSize(width).matches("[█▀▄ ]+"));
        // Two rows per line; the quiet zone is light all round.
        assertThat(lines.get(0)).matches("█+");
        assertThat(lines.get(1)).matches("█+");

        // Read the modules back from the characters and decode them with ZXing's decoder.
        int size = width - 2 * TerminalQrCode.QUIET_ZONE;
        BitMatrix modules = new BitMatrix(size);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int row = y + TerminalQrCode.QUIET_ZONE;
                char c = lines.get(row / 2).charAt(x + TerminalQrCode.QUIET_ZONE);
                boolean top = row % 2 == 0;
                boolean dark = top ? c == '▄' || c == ' ' : c == '▀' || c == ' ';
                if (dark) {
                    modules.set(x, y);
                }
            }
        }
        assertThat(new Decoder().decode(modules).getText()).isEqualTo(URI);
    }
}
