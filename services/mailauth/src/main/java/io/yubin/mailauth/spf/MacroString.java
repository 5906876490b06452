package io.yubin.mailauth.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A parsed macro-string (RFC 7208 §7.1): literal text and macros, expanded per check (§7.3).
 *
 * @param parts the literal runs, the escapes {@code %% %_ %-} and the macros, in order
 */
record MacroString(List<Part> parts) {

    /** Where the string stands, which decides what it may contain. */
    enum Kind {
        /** A mechanism's or modifier's target: ends in a top label or a macro; no c, r, t (§7.1). */
        DOMAIN_SPEC,
        /** The value of an unknown modifier ({@code name=macro-string}, §12). */
        MODIFIER_VALUE,
        /** The TXT record an {@code exp=} names: spaces allowed, c, r, t too (§6.2, §7.1). */
        EXPLANATION
    }

    sealed interface Part {
    }

    /** Text taken as it is. */
    record Literal(String text) implements Part {
    }

    /** {@code %%}, {@code %_} or {@code %-}: a percent sign, a space, a URL-encoded space. */
    record Escape(char which) implements Part {
    }

    /**
     * {@code %{letter transformers delimiters}} (§7.3).
     *
     * @param letter the macro letter in lower case
     * @param urlEscape whether the letter was written in upper case: the value is URL-escaped
     * @param rightmost how many right-hand parts to keep; 0 for all
     * @param reverse whether the parts are reversed first
     * @param delimiters where to split; empty for the default, a dot
     */
    record Macro(char letter, boolean urlEscape, int rightmost, boolean reverse, String delimiters) implements Part {
    }

    /** The macro values of one check_host() evaluation (§7.3); p is looked up only when used. */
    interface Values {
        /** The value of a lower-case macro letter. */
        String get(char letter);
    }

    private static final String LETTERS = "slodiphcrtv";
    private static final String EXPLANATION_ONLY = "crt";
    private static final String DELIMITERS = ".-+,/_=";
    // More right-hand parts than any domain name has; bounds the number a record can write.
    private static final int MAX_RIGHTMOST = 128;
    // §7.1 toplabel: letters, digits and hyphens, not starting or ending with a hyphen, not all digits.
    private static final Pattern TOPLABEL =
            Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");

    MacroString {
        parts = List.copyOf(parts);
    }

    static MacroString parse(String text, Kind kind) throws SpfSyntaxException {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                // §7.1 macro-literal: visible characters except "%"; explain-string adds SP
                if ((c < 0x21 || c > 0x7e) && !(c == ' ' && kind == Kind.EXPLANATION)) {
                    throw new SpfSyntaxException("character " + describe(c) + " is not allowed in \"" + text + "\"");
                }
                literal.append(c);
                i++;
                continue;
            }
            if (literal.length() > 0) {
                parts.add(new Literal(literal.toString()));
                literal.setLength(0);
            }
            char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            if (next == '%' || next == '_' || next == '-') {
                parts.add(new Escape(next));
                i += 2;
            } else if (next == '{') {
                i = macro(text, i + 2, kind, parts);
            } else {
                // §7.1: a "%" not followed by "{", "%", "-" or "_" is a syntax error
                throw new SpfSyntaxException("\"%\" not followed by \"{\", \"%\", \"-\" or \"_\" in \"" + text + "\"");
            }
        }
        if (literal.length() > 0) {
            parts.add(new Literal(literal.toString()));
        }
        MacroString parsed = new MacroString(parts);
        if (kind == Kind.DOMAIN_SPEC) {
            parsed.checkDomainEnd(text);
        }
        return parsed;
    }

    /** Parses the macro whose letter is at {@code i}; returns the index after its "}". */
    private static int macro(String text, int i, Kind kind, List<Part> parts) throws SpfSyntaxException {
        if (i >= text.length()) {
            throw new SpfSyntaxException("unterminated macro in \"" + text + "\"");
        }
        char written = text.charAt(i++);
        char letter = Character.toLowerCase(written);
        if (written > 0x7e || LETTERS.indexOf(letter) < 0) {
            throw new SpfSyntaxException("unknown macro letter " + describe(written) + " in \"" + text + "\"");
        }
        if (kind == Kind.DOMAIN_SPEC && EXPLANATION_ONLY.indexOf(letter) >= 0) {
            throw new SpfSyntaxException("macro letter " + written + " is allowed only in explanations (RFC 7208 §7.1)");
        }
        long rightmost = 0;
        boolean digits = false;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            rightmost = Math.min(rightmost * 10 + (text.charAt(i++) - '0'), MAX_RIGHTMOST);
            digits = true;
        }
        if (digits && rightmost == 0) {
            // §7.3: "If a DIGIT is specified, the value MUST be nonzero."
            throw new SpfSyntaxException("macro keeps zero parts in \"" + text + "\"");
        }
        boolean reverse = false;
        if (i < text.length() && (text.charAt(i) == 'r' || text.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        StringBuilder delimiters = new StringBuilder();
        while (i < text.length() && DELIMITERS.indexOf(text.charAt(i)) >= 0) {
            delimiters.append(text.charAt(i++));
        }
        if (i >= text.length() || text.charAt(i) != '}') {
            throw new SpfSyntaxException("malformed macro in \"" + text + "\"");
        }
        parts.add(new Macro(letter, written != letter, (int) rightmost, reverse, delimiters.toString()));
        return i + 1;
    }

    /** §7.1: domain-end = ( "." toplabel [ "." ] ) / macro-expand. */
    private void checkDomainEnd(String text) throws SpfSyntaxException {
        if (parts.isEmpty()) {
            throw new SpfSyntaxException("empty domain-spec");
        }
        if (!(parts.get(parts.size() - 1) instanceof Literal last)) {
            return;
        }
        String end = last.text().endsWith(".") ? last.text().substring(0, last.text().length() - 1) : last.text();
        int dot = end.lastIndexOf('.');
        if (dot < 0 || !TOPLABEL.matcher(end.substring(dot + 1)).matches()) {
            throw new SpfSyntaxException("domain-spec \"" + text + "\" does not end in a top label or a macro");
        }
    }

    /** Whether the string uses macro {@code letter} (lower case). */
    boolean uses(char letter) {
        for (Part part : parts) {
            if (part instanceof Macro macro && macro.letter() == letter) {
                return true;
            }
        }
        return false;
    }

    /** The expansion (§7.3). */
    String expand(Values values) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                out.append(literal.text());
            } else if (part instanceof Escape escape) {
                out.append(escape.which() == '%' ? "%" : escape.which() == '_' ? " " : "%20");
            } else {
                out.append(expand((Macro) part, values.get(((Macro) part).letter())));
            }
        }
        return out.toString();
    }

    private static String expand(Macro macro, String value) {
        String v = value;
        if (macro.rightmost() > 0 || macro.reverse() || !macro.delimiters().isEmpty()) {
            // §7.3: split on the delimiters (a dot by default), reverse, keep the rightmost
            // parts, and join them with dots whatever the delimiters were
            List<String> split = split(v, macro.delimiters().isEmpty() ? "." : macro.delimiters());
            if (macro.reverse()) {
                Collections.reverse(split);
            }
            if (macro.rightmost() > 0 && macro.rightmost() < split.size()) {
                split = split.subList(split.size() - macro.rightmost(), split.size());
            }
            v = String.join(".", split);
        }
        return macro.urlEscape() ? urlEscape(v) : v;
    }

    private static List<String> split(String value, String delimiters) {
        List<String> split = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delimiters.indexOf(value.charAt(i)) >= 0) {
                split.add(value.substring(start, i));
                start = i + 1;
            }
        }
        split.add(value.substring(start));
        return split;
    }

    /** §7.3: upper-case macros are URL-escaped; everything outside the unreserved set (RFC 3986 §2.3) is. */
    static String urlEscape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** The macro-string as written, in a canonical spelling. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                out.append(literal.text());
            } else if (part instanceof Escape escape) {
                out.append('%').append(escape.which());
            } else {
                Macro macro = (Macro) part;
                out.append("%{").append(macro.urlEscape() ? Character.toUpperCase(macro.letter()) : macro.letter());
                if (macro.rightmost() > 0) {
                    out.append(macro.rightmost());
                }
                out.append(macro.reverse() ? "r" : "").append(macro.delimiters()).append('}');
            }
        }
        return out.toString();
    }

    private static String describe(char c) {
        return c >= 0x21 && c <= 0x7e ? "\"" + c + "\"" : String.format("U+%04X", (int) c);
    }
}
