package io.yubin.filter.spam.spamd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spamc protocol of SpamAssassin's spamd, version 1.5 (spamd/PROTOCOL in SpamAssassin): a
 * request line, headers, an empty line and the message; the reply is a status line, headers and an
 * empty line. Requests and replies are plain bytes here, apart from the socket.
 */
public final class SpamcProtocol {

    private static final String VERSION = "SPAMC/1.5";
    private static final Pattern STATUS = Pattern.compile("SPAMD/(\\d+\\.\\d+) (\\d+) (.*)");
    /** "Spam: True ; 15.3 / 5.0": the verdict, the score and the required score. */
    private static final Pattern SPAM = Pattern.compile("(True|False|Yes|No) ; (-?[0-9.]+) / (-?[0-9.]+)",
            Pattern.CASE_INSENSITIVE);

    private SpamcProtocol() {
    }

    /** CHECK: only the verdict is answered, not the message. */
    public static byte[] check(byte[] message) {
        return request("CHECK", Map.of(), message);
    }

    /** TELL: learn the message into the local Bayes database (spamd needs --allow-tell). */
    public static byte[] tell(byte[] message, boolean spam) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Message-class", spam ? "spam" : "ham");
        headers.put("Set", "local");
        return request("TELL", headers, message);
    }

    private static byte[] request(String method, Map<String, String> headers, byte[] message) {
        StringBuilder head = new StringBuilder(method).append(' ').append(VERSION).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-length: ").append(message.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + message.length);
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(message);
        return out.toByteArray();
    }

    /** The reply's status line and headers (names as sent); a CHECK reply has no body. */
    public record Reply(int code, String text, Map<String, String> headers) {

        /** Code 0 is EX_OK; others are sysexits.h codes (76 EX_PROTOCOL, 69 EX_UNAVAILABLE, ...). */
        public boolean ok() {
            return code == 0;
        }

        /** The "Spam" header of a CHECK reply. */
        public Verdict verdict() {
            String value = headers.get("Spam");
            Matcher m = value == null ? null : SPAM.matcher(value.trim());
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException("no Spam header in the spamd reply: " + this);
            }
            String answer = m.group(1).toLowerCase(Locale.ROOT);
            return new Verdict(answer.equals("true") || answer.equals("yes"), Double.parseDouble(m.group(2)),
                    Double.parseDouble(m.group(3)));
        }
    }

    /** spamd's verdict: spam when the score reaches the required score (required_score, 5.0 by default). */
    public record Verdict(boolean spam, double score, double required) {
    }

    /**
     * Parses a reply: "SPAMD/1.1 0 EX_OK", then "Name: value" lines up to an empty line or the end.
     *
     * @throws IllegalArgumentException when the status line is not spamd's
     */
    public static Reply parse(byte[] reply) {
        String text = new String(reply, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r?\n", -1);
        Matcher status = STATUS.matcher(lines[0]);
        if (!status.matches()) {
            throw new IllegalArgumentException("not a spamd reply: " + lines[0]);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon), lines[i].substring(colon + 1).trim());
            }
        }
        return new Reply(Integer.parseInt(status.group(2)), status.group(3), headers);
    }
}
