package io.yubin.imap.mime;

import java.util.List;
import java.util.Locale;

/**
 * A {@code section} of {@code BODY[...]} / {@code BINARY[...]} (RFC 9051 §6.4.5): a part path and
 * what of it is wanted.
 *
 * @param part the part numbers, e.g. [1, 2] for {@code 1.2}; empty for the whole message
 * @param text what of the part: the whole part, its header, header fields, text or MIME header
 * @param fields the field names for HEADER_FIELDS and HEADER_FIELDS_NOT, upper-cased; empty otherwise
 */
public record SectionSpec(List<Integer> part, Text text, List<String> fields) {

    public enum Text {
        /** {@code BODY[]} or {@code BODY[1.2]}: the whole message or the part's content. */
        ALL,
        HEADER,
        HEADER_FIELDS,
        HEADER_FIELDS_NOT,
        TEXT,
        /** {@code 1.2.MIME}: the MIME header of a part (only with a part path). */
        MIME
    }

    public static final SectionSpec WHOLE = new SectionSpec(List.of(), Text.ALL, List.of());

    public SectionSpec {
        part = List.copyOf(part);
        fields = fields.stream().map(f -> f.toUpperCase(Locale.ROOT)).toList();
        for (int n : part) {
            if (n < 1) {
                throw new IllegalArgumentException("part numbers start at 1");
            }
        }
        if (text == Text.MIME && part.isEmpty()) {
            throw new IllegalArgumentException("MIME needs a part number");
        }
        if ((text == Text.HEADER_FIELDS || text == Text.HEADER_FIELDS_NOT) == fields.isEmpty()) {
            throw new IllegalArgumentException("HEADER.FIELDS takes at least one field name, and only it does");
        }
    }

    /** The section as written in a FETCH response, e.g. {@code 1.2.HEADER.FIELDS (FROM TO)}. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < part.size(); i++) {
            if (i > 0) {
                out.append('.');
            }
            out.append(part.get(i));
        }
        String name = switch (text) {
            case ALL -> "";
            case HEADER -> "HEADER";
            case HEADER_FIELDS -> "HEADER.FIELDS";
            case HEADER_FIELDS_NOT -> "HEADER.FIELDS.NOT";
            case TEXT -> "TEXT";
            case MIME -> "MIME";
        };
        if (!name.isEmpty()) {
            if (!part.isEmpty()) {
                out.append('.');
            }
            out.append(name);
        }
        if (!fields.isEmpty()) {
            out.append(" (").append(String.join(" ", fields)).append(')');
        }
        return out.toString();
    }
}
