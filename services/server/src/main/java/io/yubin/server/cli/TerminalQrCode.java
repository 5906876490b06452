package io.yubin.server.cli;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Map;

/**
 * A QR code as text for a terminal: ZXing computes the module matrix, printed two rows per line with
 * Unicode half blocks. Light modules are drawn (as qrencode's UTF8 output does), so the code reads
 * right on a terminal with a dark background; the quiet zone is the standard 4 modules.
 */
final class TerminalQrCode {

    static final int QUIET_ZONE = 4;

    private TerminalQrCode() {
    }

    static String render(String text) {
        BitMatrix matrix;
        try {
            // Width and height 0: one matrix cell per module.
            matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, Map.of(
                    EncodeHintType.MARGIN, QUIET_ZONE,
                    EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M,
                    EncodeHintType.CHARACTER_SET, "UTF-8"));
        } catch (WriterException e) {
            throw CliException.failed("cannot make a QR code of " + text.length() + " characters: " + e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        for (int y = 0; y < matrix.getHeight(); y += 2) {
            for (int x = 0; x < matrix.getWidth(); x++) {
                boolean topLight = !matrix.get(x, y);
                boolean bottomLight = y + 1 < matrix.getHeight() ? !matrix.get(x, y + 1) : true;
                out.append(topLight ? (bottomLight ? '█' : '▀') : (bottomLight ? '▄' : ' '));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
