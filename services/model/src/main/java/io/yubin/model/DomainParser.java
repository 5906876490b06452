package io.yubin.model;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.text.IDNA;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Domain names: UTS #46 nontransitional processing with IDNA2008 rules. Every refusal is an
 * {@link AddressException} naming the label at fault. Address literals are {@link AddressLiteral}.
 */
final class DomainParser {

    // UTS #46 §4: nontransitional processing keeps ß and final sigma (IDNA2008); STD3 rules keep
    // host names to letters, digits and hyphens; the Bidi (RFC 5893) and CONTEXTJ/CONTEXTO
    // (RFC 5892 appendix A) rules are checked.
    private static final IDNA IDNA_UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ | IDNA.CHECK_CONTEXTO
            | IDNA.USE_STD3_RULES);

    /** RFC 1035 §2.3.4: a label is at most 63 octets. */
    static final int MAX_LABEL_OCTETS = 63;
    /** RFC 1035 §2.3.4 (255 octets on the wire) less the length octets: 253 in text form. */
    static final int MAX_NAME_OCTETS = 253;

    private DomainParser() {
    }

    static Domain parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new AddressException("domain is empty", 0);
        }
        if (text.charAt(0) == '[') {
            throw new AddressException("domain \"" + text
                    + "\" is an address literal; literals are only valid inside an address", 0);
        }
        return new Domain(toAscii(text, 0, true));
    }

    /**
     * The lower-case A-label form of {@code text}.
     *
     * @param offset where {@code text} starts in the input, for error positions
     * @param allowTrailingDot whether one trailing dot (the root) is tolerated and stripped
     */
    static String toAscii(String text, int offset, boolean allowTrailingDot) {
        // Bound the work before handing the text to ICU: even the most compact U-label spelling
        // of a 253-octet name is shorter than this.
        if (text.length() > 4 * MAX_NAME_OCTETS) {
            throw new AddressException("domain is longer than " + MAX_NAME_OCTETS + " octets", offset);
        }
        List<int[]> labels = splitLabels(text);
        int[] last = labels.get(labels.size() - 1);
        if (labels.size() > 1 && last[0] == last[1]) {
            if (!allowTrailingDot) {
                throw new AddressException("domain \"" + text + "\" ends with a dot", offset + last[0] - 1);
            }
            labels.remove(labels.size() - 1);
        }
        StringBuilder ascii = new StringBuilder(text.length());
        int labelStart = offset;
        for (int[] span : labels) {
            labelStart = offset + span[0];
            String label = text.substring(span[0], span[1]);
            if (label.isEmpty()) {
                throw new AddressException(labels.size() == 1 ? "domain is empty"
                        : "domain \"" + text + "\" has an empty label at position " + labelStart, labelStart);
            }
            if (ascii.length() > 0) {
                ascii.append('.');
            }
            ascii.append(labelToAscii(label, labelStart));
        }
        if (ascii.length() > MAX_NAME_OCTETS) {
            throw new AddressException("domain \"" + text + "\" is " + ascii.length()
                    + " octets in A-label form; the limit is " + MAX_NAME_OCTETS, offset);
        }
        // RFC 3696 §2: a top-level label is never all-numeric; this is an IP address written
        // without the brackets of an address literal.
        String tld = ascii.substring(ascii.lastIndexOf(".") + 1);
        if (labels.size() > 1 && tld.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new AddressException("domain \"" + text + "\" has an all-numeric top-level label \"" + tld
                    + "\"; an IP address must be written as an address literal such as [192.0.2.1]", labelStart);
        }
        // RFC 5893 §2: the Bidi rule applies to the whole name once any label is right-to-left.
        IDNA.Info info = new IDNA.Info();
        IDNA_UTS46.nameToASCII(ascii, new StringBuilder(), info);
        if (info.getErrors().contains(IDNA.Error.BIDI)) {
            throw new AddressException("domain \"" + text
                    + "\" mixes right-to-left and other labels in a way the Bidi rule (RFC 5893) forbids", offset);
        }
        if (info.hasErrors()) {
            throw new AddressException("domain \"" + text + "\" is not a valid IDNA2008 name: "
                    + info.getErrors(), offset);
        }
        return ascii.toString();
    }

    /** The U-label form of an A-label name; address literals and unconvertible names are returned as given. */
    static String toUnicode(String ascii) {
        if (ascii.startsWith("[")) {
            return ascii;
        }
        IDNA.Info info = new IDNA.Info();
        StringBuilder out = new StringBuilder();
        IDNA_UTS46.nameToUnicode(ascii, out, info);
        return info.hasErrors() ? ascii : out.toString();
    }

    /** Label spans {start, end}; UTS #46 §2.3 label separators are the full stop and its ideographic/full-width forms. */
    private static List<int[]> splitLabels(String text) {
        List<int[]> spans = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (isLabelSeparator(text.charAt(i))) {
                spans.add(new int[] {start, i});
                start = i + 1;
            }
        }
        spans.add(new int[] {start, text.length()});
        return spans;
    }

    private static boolean isLabelSeparator(char c) {
        return c == '.' || c == '\u3002' || c == '\uFF0E' || c == '\uFF61';
    }

    private static String labelToAscii(String label, int position) {
        IDNA.Info info = new IDNA.Info();
        StringBuilder out = new StringBuilder();
        IDNA_UTS46.labelToASCII(label, out, info);
        Set<IDNA.Error> errors = info.getErrors();
        String quoted = "domain label \"" + label + "\"";
        if (errors.contains(IDNA.Error.DISALLOWED) || errors.contains(IDNA.Error.LABEL_HAS_DOT)) {
            int bad = firstDisallowed(label);
            throw new AddressException(quoted + " has a character not allowed in a host name: "
                    + describe(label.codePointAt(bad)), position + bad);
        }
        if (errors.contains(IDNA.Error.INVALID_ACE_LABEL) || errors.contains(IDNA.Error.PUNYCODE)) {
            throw new AddressException(quoted + " starts with xn-- but is not a valid A-label", position);
        }
        if (errors.contains(IDNA.Error.LEADING_HYPHEN)) {
            throw new AddressException(quoted + " starts with a hyphen", position);
        }
        if (errors.contains(IDNA.Error.TRAILING_HYPHEN)) {
            throw new AddressException(quoted + " ends with a hyphen", position + label.length() - 1);
        }
        if (errors.contains(IDNA.Error.HYPHEN_3_4)) {
            // RFC 5891 §4.2.3.1: "??--" is reserved for encodings such as xn--.
            throw new AddressException(quoted + " has hyphens in the third and fourth positions", position + 2);
        }
        if (errors.contains(IDNA.Error.LEADING_COMBINING_MARK)) {
            throw new AddressException(quoted + " starts with a combining mark", position);
        }
        if (errors.contains(IDNA.Error.CONTEXTJ)) {
            throw new AddressException(quoted + " has a zero-width joiner or non-joiner where RFC 5892 "
                    + "appendix A does not allow one", position);
        }
        if (errors.contains(IDNA.Error.CONTEXTO_DIGITS) || errors.contains(IDNA.Error.CONTEXTO_PUNCTUATION)) {
            throw new AddressException(quoted + " uses a character outside the context RFC 5892 appendix A "
                    + "allows for it", position);
        }
        if (errors.contains(IDNA.Error.BIDI)) {
            throw new AddressException(quoted + " breaks the Bidi rule (RFC 5893)", position);
        }
        if (errors.contains(IDNA.Error.EMPTY_LABEL)) {
            throw new AddressException(quoted + " is empty after mapping", position);
        }
        String ascii = out.toString();
        if (errors.contains(IDNA.Error.LABEL_TOO_LONG) || ascii.length() > MAX_LABEL_OCTETS) {
            throw new AddressException(quoted + " is " + Math.max(ascii.length(), label.getBytes(
                    StandardCharsets.UTF_8).length) + " octets in A-label form; the limit is " + MAX_LABEL_OCTETS,
                    position);
        }
        if (!errors.isEmpty()) {
            throw new AddressException(quoted + " is not a valid IDNA2008 label: " + errors, position);
        }
        if (ascii.startsWith("xn--")) {
            checkIdna2008(label, ascii, position);
        }
        return ascii;
    }

    /**
     * UTS #46 still accepts symbols and punctuation that IDNA2008 disallows (its "NV8" code points,
     * e.g. U+2665). RFC 5892 §2.1: only letters, marks and digits are PVALID, plus the exceptions of
     * RFC 5892 §2.6 and the CONTEXTJ/CONTEXTO code points that ICU has checked already.
     */
    private static void checkIdna2008(String label, String ascii, int position) {
        IDNA.Info info = new IDNA.Info();
        StringBuilder unicode = new StringBuilder();
        IDNA_UTS46.labelToUnicode(ascii, unicode, info);
        for (int i = 0; i < unicode.length(); i += Character.charCount(unicode.codePointAt(i))) {
            int cp = unicode.codePointAt(i);
            if (cp < 0x80 || isIdna2008Valid(cp)) {
                continue;
            }
            int at = label.indexOf(new String(Character.toChars(cp)));
            throw new AddressException("domain label \"" + label + "\" has a character IDNA2008 (RFC 5892) does not "
                    + "allow in a host name: " + describe(cp), at < 0 ? position : position + at);
        }
    }

    private static boolean isIdna2008Valid(int cp) {
        switch (cp) {
            // RFC 5892 §2.6 exceptions: PVALID and CONTEXTO code points outside letters and digits.
            case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007, 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB,
                    0x200C, 0x200D:
                return true;
            // RFC 5892 §2.6 exceptions: DISALLOWED letters and marks.
            case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B:
                return false;
            default:
                int type = UCharacter.getType(cp);
                return type == UCharacterCategory.LOWERCASE_LETTER || type == UCharacterCategory.OTHER_LETTER
                        || type == UCharacterCategory.MODIFIER_LETTER || type == UCharacterCategory.NON_SPACING_MARK
                        || type == UCharacterCategory.COMBINING_SPACING_MARK
                        || type == UCharacterCategory.DECIMAL_DIGIT_NUMBER;
        }
    }

    /** Index of the first code point in {@code label} that UTS #46 with STD3 rules refuses on its own. */
    private static int firstDisallowed(String label) {
        for (int i = 0; i < label.length(); i += Character.charCount(label.codePointAt(i))) {
            int cp = label.codePointAt(i);
            if (cp < 0x80) {
                if (!(cp >= 'a' && cp <= 'z' || cp >= 'A' && cp <= 'Z' || cp >= '0' && cp <= '9' || cp == '-')) {
                    return i;
                }
                continue;
            }
            IDNA.Info info = new IDNA.Info();
            StringBuilder out = new StringBuilder();
            IDNA_UTS46.labelToASCII(new String(Character.toChars(cp)), out, info);
            if (info.getErrors().contains(IDNA.Error.DISALLOWED) || info.getErrors().contains(IDNA.Error.LABEL_HAS_DOT)) {
                return i;
            }
        }
        return 0;
    }

    /** A character for an error message: {@code '_'} or {@code U+00A0}. */
    static String describe(int cp) {
        String hex = String.format("U+%04X", cp);
        if (cp > 0x20 && cp < 0x7f) {
            return "'" + (char) cp + "'";
        }
        if (cp == ' ') {
            return "' ' (U+0020)";
        }
        int type = Character.getType(cp);
        boolean visible = cp > 0x7f && Character.isDefined(cp) && type != Character.CONTROL
                && type != Character.FORMAT && type != Character.SURROGATE && type != Character.PRIVATE_USE
                && type != Character.SPACE_SEPARATOR && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR;
        return visible ? "'" + new String(Character.toChars(cp)) + "' (" + hex + ")" : hex;
    }
}
