package io.yubin.imap.mime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * One entity of a message (RFC 2045/2046) with the byte offsets of its header and body in the
 * original octets, so sections are cut from the stored body exactly. Field values are parsed with
 * mime4j's {@link RawFieldParser}; the walk over boundaries is here because it must keep offsets.
 * Never fails on malformed input: what cannot be split is one leaf.
 */
public final class MimePart {

    /** Deeper nesting than this is treated as opaque content (docs/architecture.md §4.6). */
    static final int MAX_DEPTH = 50;
    /** More parts than this in one message are not split further. */
    static final int MAX_PARTS = 10_000;

    /** An unfolded header field. */
    public record Field(String name, String value) {
    }

    final int headerStart;
    final int bodyStart;
    final int end;
    final List<Field> fields;
    final String type;
    final String subtype;
    final List<NameValuePair> params;
    final List<MimePart> children;
    /** For message/rfc822 and message/global: the embedded message. */
    final MimePart message;
    final long lines;

    private MimePart(int headerStart, int bodyStart, int end, List<Field> fields, String type, String subtype,
            List<NameValuePair> params, List<MimePart> children, MimePart message, long lines) {
        this.headerStart = headerStart;
        this.bodyStart = bodyStart;
        this.end = end;
        this.fields = fields;
        this.type = type;
        this.subtype = subtype;
        this.params = params;
        this.children = children;
        this.message = message;
        this.lines = lines;
    }

    /** Parses a whole message. */
    public static MimePart parse(byte[] message) {
        return parse(message, 0, message.length, false, 0, new int[] {0});
    }

    private static MimePart parse(byte[] m, int start, int end, boolean digestChild, int depth, int[] count) {
        count[0]++;
        int bodyStart = headerEnd(m, start, end);
        List<Field> fields = fields(m, start, bodyStart);
        String contentType = value(fields, "Content-Type");
        String type = digestChild ? "message" : "text";
        String subtype = digestChild ? "rfc822" : "plain";
        List<NameValuePair> params = new ArrayList<>();
        if (contentType != null) {
            RawBody body = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Type", contentType));
            String mime = body.getValue() == null ? "" : body.getValue().trim();
            int slash = mime.indexOf('/');
            if (slash > 0 && slash < mime.length() - 1) {
                type = mime.substring(0, slash).trim();
                subtype = mime.substring(slash + 1).trim();
                params.addAll(body.getParams());
            }
        }
        if (params.isEmpty() && "text".equalsIgnoreCase(type) && contentType == null) {
            params.add(new NameValuePair("charset", "us-ascii"));
        }
        List<MimePart> children = new ArrayList<>();
        MimePart embedded = null;
        boolean opaque = depth >= MAX_DEPTH || count[0] >= MAX_PARTS;
        if (!opaque && "multipart".equalsIgnoreCase(type)) {
            String boundary = param(params, "boundary");
            if (boundary != null && !boundary.isEmpty()) {
                boolean digest = "digest".equalsIgnoreCase(subtype);
                for (int[] range : split(m, bodyStart, end, boundary.getBytes(StandardCharsets.ISO_8859_1))) {
                    children.add(parse(m, range[0], range[1], digest, depth + 1, count));
                }
            }
            if (children.isEmpty()) {
                // RFC 9051 §7.5.2 needs at least one part: show the body as one empty text part.
                children.add(parse(m, end, end, false, depth + 1, count));
            }
        } else if (!opaque && "message".equalsIgnoreCase(type)
                && ("rfc822".equalsIgnoreCase(subtype) || "global".equalsIgnoreCase(subtype))) {
            embedded = parse(m, bodyStart, end, false, depth + 1, count);
        }
        return new MimePart(start, bodyStart, end, fields, type, subtype, params, children, embedded,
                countLines(m, bodyStart, end));
    }

    /** Where the body starts: after the empty line ending the header, or {@code end} when there is none. */
    private static int headerEnd(byte[] m, int start, int end) {
        int i = start;
        while (i < end) {
            int lineEnd = lineEnd(m, i, end);
            int next = lineEnd < end ? lineEnd + 1 : end;
            boolean empty = lineEnd == i || (lineEnd == i + 1 && m[i] == '\r');
            if (empty) {
                return next;
            }
            i = next;
        }
        return end;
    }

    /** Index of the LF ending the line at {@code i}, or {@code end}. */
    private static int lineEnd(byte[] m, int i, int end) {
        while (i < end && m[i] != '\n') {
            i++;
        }
        return i;
    }

    private static List<Field> fields(byte[] m, int start, int end) {
        List<Field> out = new ArrayList<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        int i = start;
        while (i < end) {
            int le = lineEnd(m, i, end);
            int textEnd = le > i && m[le - 1] == '\r' ? le - 1 : le;
            if (textEnd == i) {
                break;
            }
            String line = new String(m, i, textEnd - i, StandardCharsets.UTF_8);
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
                value.append(line);
            } else {
                if (name != null) {
                    out.add(new Field(name, value.toString().trim()));
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    name = line.substring(0, colon).trim();
                    value.setLength(0);
                    value.append(line, colon + 1, line.length());
                } else {
                    name = null;
                }
            }
            i = le + 1;
        }
        if (name != null) {
            out.add(new Field(name, value.toString().trim()));
        }
        return out;
    }

    /** The body ranges between the delimiter lines of {@code boundary} (RFC 2046 §5.1.1). */
    private static List<int[]> split(byte[] m, int start, int end, byte[] boundary) {
        List<int[]> parts = new ArrayList<>();
        int partStart = -1;
        int i = start;
        while (i < end) {
            int le = lineEnd(m, i, end);
            if (isDelimiter(m, i, le, boundary)) {
                boolean close = i + 2 + boundary.length + 1 < le && m[i + 2 + boundary.length] == '-'
                        && m[i + 3 + boundary.length] == '-';
                if (partStart >= 0) {
                    // The CRLF before a delimiter belongs to the delimiter.
                    int partEnd = i;
                    if (partEnd > partStart && m[partEnd - 1] == '\n') {
                        partEnd--;
                        if (partEnd > partStart && m[partEnd - 1] == '\r') {
                            partEnd--;
                        }
                    }
                    parts.add(new int[] {partStart, Math.max(partStart, partEnd)});
                }
                if (close) {
                    return parts;
                }
                partStart = le < end ? le + 1 : end;
            }
            i = le + 1;
        }
        if (partStart >= 0) {
            parts.add(new int[] {partStart, end});
        }
        return parts;
    }

    private static boolean isDelimiter(byte[] m, int i, int le, byte[] boundary) {
        if (le - i < 2 + boundary.length || m[i] != '-' || m[i + 1] != '-') {
            return false;
        }
        for (int k = 0; k < boundary.length; k++) {
            if (m[i + 2 + k] != boundary[k]) {
                return false;
            }
        }
        for (int k = i + 2 + boundary.length; k < le; k++) {
            byte b = m[k];
            if (b != '-' && b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static long countLines(byte[] m, int start, int end) {
        long n = 0;
        for (int i = start; i < end; i++) {
            if (m[i] == '\n') {
                n++;
            }
        }
        if (end > start && m[end - 1] != '\n') {
            n++;
        }
        return n;
    }

    static String value(List<Field> fields, String name) {
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                return f.value();
            }
        }
        return null;
    }

    static String param(List<NameValuePair> params, String name) {
        for (NameValuePair p : params) {
            if (p.getName().equalsIgnoreCase(name)) {
                return p.getValue();
            }
        }
        return null;
    }

    public boolean isMultipart() {
        return "multipart".equalsIgnoreCase(type);
    }

    public List<Field> fields() {
        return fields;
    }

    /** Content-Transfer-Encoding, lower-cased; "7bit" when absent. */
    public String encoding() {
        String cte = value(fields, "Content-Transfer-Encoding");
        return cte == null ? "7bit" : cte.trim().toLowerCase(Locale.ROOT);
    }

    public int headerStart() {
        return headerStart;
    }

    public int bodyStart() {
        return bodyStart;
    }

    public int end() {
        return end;
    }

    public List<MimePart> children() {
        return children;
    }

    MimePart message() {
        return message;
    }
}
