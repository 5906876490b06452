package io.yubin.mailauth.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tag=value list (RFC 6376 §3.2): the syntax of DKIM-Signature fields and of key records.
 * Tag names are case-sensitive; values keep their inner folding white space and lose the
 * surrounding one.
 */
record TagList(Map<String, String> tags) {

    TagList {
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** The value of {@code name}, or null when the tag is absent. */
    String get(String name) {
        return tags.get(name);
    }

    boolean has(String name) {
        return tags.containsKey(name);
    }

    /** The name of the first tag, or null for an empty list. */
    String firstName() {
        return tags.isEmpty() ? null : tags.keySet().iterator().next();
    }

    static TagList parse(String text) throws DkimFormatException {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            if (isBlank(spec)) {
                // §3.2: a trailing semicolon is allowed; an empty tag-spec elsewhere is not
                if (i == specs.length - 1 && i > 0) {
                    break;
                }
                throw new DkimFormatException("empty tag");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new DkimFormatException("tag without '='");
            }
            String name = trimFws(spec.substring(0, eq));
            if (!isTagName(name)) {
                throw new DkimFormatException("bad tag name");
            }
            String value = trimFws(spec.substring(eq + 1));
            for (int k = 0; k < value.length(); k++) {
                char c = value.charAt(k);
                // §3.2 VALCHAR is %x21-3A / %x3C-7E; RFC 8616 adds UTF-8; inner FWS is allowed
                if (c < 0x21 && !isFws(c) || c == 0x7f) {
                    throw new DkimFormatException("bad character in tag " + name);
                }
            }
            if (tags.putIfAbsent(name, value) != null) {
                // §3.2: a duplicate tag name invalidates the entire tag-list
                throw new DkimFormatException("duplicate tag " + name);
            }
        }
        return new TagList(tags);
    }

    static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    static String trimFws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isFws(s.charAt(start))) {
            start++;
        }
        while (end > start && isFws(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** The value with all folding white space removed, as base64 values and lists are read. */
    static String stripFws(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isFws(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isFws(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    // §3.2: tag-name = ALPHA *ALNUMPUNC, ALNUMPUNC = ALPHA / DIGIT / "_"
    private static boolean isTagName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
