package io.yubin.mailauth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The header section of a message in wire format (RFC 5322 §2.2): fields as their raw octets,
 * folding and final CRLF included, so that a section written back from them is the same octets.
 */
public final class MessageHeader {

    /**
     * One header field.
     *
     * @param name the field name as written
     * @param raw every octet of the field, continuation lines and the final CRLF included
     */
    public record Field(String name, byte[] raw) {

        /** Whether the field has this name (field names compare case-insensitively). */
        public boolean hasName(String other) {
            return name.equalsIgnoreCase(other);
        }

        /** The unfolded value after the colon (RFC 5322 §2.2.3), octets read as UTF-8. */
        public String value() {
            String text = new String(raw, StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            return text.substring(colon + 1).replace("\r\n", "").replace("\n", "");
        }
    }

    /**
     * What was read: the fields; whether the section ended (an empty line, a line that is no field,
     * or the end of the message) within the limit; and {@code rest}, the octets read that belong to
     * no field (the empty line, or the partial field at the limit), which a copy of the message
     * writes after the fields and before the unread remainder of the stream.
     */
    public record Section(List<Field> fields, boolean complete, byte[] rest) {
        public Section {
            fields = List.copyOf(fields);
        }

        /** The unfolded values of the fields named {@code name}, top to bottom. */
        public List<String> values(String name) {
            return fields.stream().filter(f -> f.hasName(name)).map(Field::value).toList();
        }
    }

    private MessageHeader() {
    }

    /**
     * Reads fields from {@code in} until the empty line that ends the section, a line that is neither
     * a field nor a continuation (no colon), the end of the stream, or {@code maxBytes}.
     */
    public static Section read(InputStream in, int maxBytes) throws IOException {
        List<Field> fields = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int total = 0;
        while (true) {
            line.reset();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    break;
                }
            }
            total += line.size();
            byte[] l = line.toByteArray();
            boolean end = b < 0;
            boolean blank = l.length == 0 || (l.length == 2 && l[0] == '\r' && l[1] == '\n')
                    || (l.length == 1 && l[0] == '\n');
            if (l.length > 0 && (l[0] == ' ' || l[0] == '\t') && field.size() > 0) {
                field.write(l);
            } else {
                if (field.size() > 0) {
                    fields.add(field(field.toByteArray()));
                    field.reset();
                }
                if (blank) {
                    return new Section(fields, true, l.length == 0 ? new byte[0] : l);
                }
                if (indexOf(l, (byte) ':') <= 0) {
                    return new Section(fields, true, l);
                }
                field.write(l);
            }
            if (end) {
                if (field.size() > 0) {
                    fields.add(field(field.toByteArray()));
                }
                return new Section(fields, true, new byte[0]);
            }
            if (total > maxBytes) {
                return new Section(fields, false, field.toByteArray());
            }
        }
    }

    private static Field field(byte[] raw) {
        int colon = indexOf(raw, (byte) ':');
        return new Field(new String(raw, 0, colon, StandardCharsets.UTF_8).strip(), raw);
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
            if (b[i] == '\r' || b[i] == '\n') {
                return -1;
            }
        }
        return -1;
    }
}
