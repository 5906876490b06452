package io.yubin.filter.spam;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A stable name for a message, so that a caller training the filter can keep the set of messages
 * already learned and learn each once (training twice on the same message skews its counts).
 */
public final class MessageFingerprint {

    private MessageFingerprint() {
    }

    /**
     * SHA-256, in hex, over the Message-ID field's value and the body (the octets after the
     * header): both survive relaying, which prepends Received and Authentication-Results fields.
     */
    public static String of(byte[] message) {
        int bodyStart = bodyStart(message);
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        sha256.update(messageId(message, bodyStart).getBytes(StandardCharsets.ISO_8859_1));
        sha256.update((byte) 0);
        sha256.update(message, bodyStart, message.length - bodyStart);
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** After the first empty line (CRLF CRLF or LF LF); the whole message is header when there is none. */
    private static int bodyStart(byte[] m) {
        for (int i = 0; i + 1 < m.length; i++) {
            if (m[i] == '\n' && m[i + 1] == '\n') {
                return i + 2;
            }
            if (m[i] == '\n' && m[i + 1] == '\r' && i + 2 < m.length && m[i + 2] == '\n') {
                return i + 3;
            }
        }
        return m.length;
    }

    private static String messageId(byte[] m, int headerEnd) {
        String header = new String(m, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int line = 0;
        while (line < header.length()) {
            if (header.regionMatches(true, line, "Message-ID:", 0, 11)) {
                int end = header.indexOf('\n', line);
                return header.substring(line + 11, end < 0 ? header.length() : end).strip();
            }
            int next = header.indexOf('\n', line);
            if (next < 0) {
                break;
            }
            line = next + 1;
        }
        return "";
    }
}
