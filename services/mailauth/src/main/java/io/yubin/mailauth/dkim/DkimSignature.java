package io.yubin.mailauth.dkim;

import io.yubin.model.AddressException;
import io.yubin.model.Domain;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A parsed DKIM-Signature field (RFC 6376 §3.5).
 *
 * @param field the field as it stands in the message
 * @param algorithm a=
 * @param signature b=, decoded
 * @param bodyHash bh=, decoded
 * @param headerCanonicalization the header half of c=
 * @param bodyCanonicalization the body half of c=
 * @param domain d=, A-labels, lower case
 * @param selector s=, A-labels, lower case
 * @param signedHeaders h=, lower case, in order
 * @param identity i=, or "@" and d= when absent
 * @param bodyLength l=, or -1 when the whole body is signed
 * @param timestamp t= in seconds since the epoch, or -1
 * @param expiration x= in seconds since the epoch, or -1
 */
record DkimSignature(
        HeaderField field,
        DkimAlgorithm algorithm,
        byte[] signature,
        byte[] bodyHash,
        Canonicalization headerCanonicalization,
        Canonicalization bodyCanonicalization,
        String domain,
        String selector,
        List<String> signedHeaders,
        String identity,
        long bodyLength,
        long timestamp,
        long expiration) {

    static final String FIELD_NAME = "DKIM-Signature";

    /** The DNS name of the key record (§3.6.2.1). */
    String keyName() {
        return selector + "._domainkey." + domain;
    }

    /**
     * Reads the tags of a DKIM-Signature field; a tag this version does not know is ignored (§3.2),
     * a signature this implementation cannot process is refused with the reason.
     */
    static DkimSignature parse(HeaderField field, TagList tags) throws DkimFormatException {
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.has(required)) {
                throw new DkimFormatException("missing " + required + "=");
            }
        }
        if (!tags.get("v").equals("1")) {
            throw new DkimFormatException("unsupported version v=" + tags.get("v"));
        }
        DkimAlgorithm algorithm = DkimAlgorithm.of(tags.get("a"));
        if (algorithm == null) {
            throw new DkimFormatException("unsupported algorithm a=" + tags.get("a"));
        }
        byte[] signature = base64(tags.get("b"), "b");
        byte[] bodyHash = base64(tags.get("bh"), "bh");
        if (signature.length == 0 || bodyHash.length == 0) {
            throw new DkimFormatException("empty b= or bh=");
        }
        Canonicalization headerCanonicalization = Canonicalization.SIMPLE;
        Canonicalization bodyCanonicalization = Canonicalization.SIMPLE;
        if (tags.has("c")) {
            String[] c = tags.get("c").split("/", -1);
            if (c.length > 2) {
                throw new DkimFormatException("bad c=");
            }
            headerCanonicalization = Canonicalization.of(c[0]);
            if (c.length == 2) {
                bodyCanonicalization = Canonicalization.of(c[1]);
            }
        }
        String domain = domain(tags.get("d"), "d");
        String selector = selectorOf(tags.get("s"));
        List<String> signedHeaders = new ArrayList<>();
        for (String name : tags.get("h").split(":", -1)) {
            String n = TagList.trimFws(name);
            if (n.isEmpty()) {
                throw new DkimFormatException("empty name in h=");
            }
            signedHeaders.add(n.toLowerCase(Locale.ROOT));
        }
        if (!signedHeaders.contains("from")) {
            // §5.4: the From header field MUST be signed
            throw new DkimFormatException("From not signed");
        }
        String identity = "@" + domain;
        if (tags.has("i")) {
            identity = tags.get("i");
            int at = identity.lastIndexOf('@');
            if (at < 0) {
                throw new DkimFormatException("bad i=");
            }
            String identityDomain = domain(identity.substring(at + 1), "i");
            // §3.5 i=: the domain part is the same as d= or a subdomain of it
            if (!identityDomain.equals(domain) && !identityDomain.endsWith("." + domain)) {
                throw new DkimFormatException("i= not within d=");
            }
        }
        long bodyLength = number(tags, "l", 76);
        long timestamp = number(tags, "t", 12);
        long expiration = number(tags, "x", 12);
        if (timestamp >= 0 && expiration >= 0 && expiration <= timestamp) {
            // §3.5 x=: the value MUST be greater than t=
            throw new DkimFormatException("x= not after t=");
        }
        if (tags.has("q")) {
            boolean dnsTxt = false;
            for (String method : tags.get("q").split(":", -1)) {
                dnsTxt |= TagList.trimFws(method).equalsIgnoreCase("dns/txt");
            }
            if (!dnsTxt) {
                throw new DkimFormatException("unsupported q=" + tags.get("q"));
            }
        }
        return new DkimSignature(field, algorithm, signature, bodyHash, headerCanonicalization,
                bodyCanonicalization, domain, selector, List.copyOf(signedHeaders), identity, bodyLength,
                timestamp, expiration);
    }

    /**
     * The field with the value of b= deleted, surrounding white space included (§3.5 b=, §3.7),
     * as it enters the header hash; the final CRLF stays for the canonicalization to see.
     */
    static byte[] withoutSignatureValue(HeaderField field) {
        byte[] raw = field.raw();
        int contentEnd = field.contentLength();
        int segment = field.colon() + 1;
        while (segment <= contentEnd) {
            int semicolon = segment;
            while (semicolon < contentEnd && raw[semicolon] != ';') {
                semicolon++;
            }
            int eq = segment;
            while (eq < semicolon && raw[eq] != '=') {
                eq++;
            }
            if (eq < semicolon && isTagB(raw, segment, eq)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
                out.write(raw, 0, eq + 1);
                out.write(raw, semicolon, raw.length - semicolon);
                return out.toByteArray();
            }
            segment = semicolon + 1;
        }
        return raw;
    }

    private static boolean isTagB(byte[] raw, int from, int to) {
        int start = from;
        int end = to;
        while (start < end && isFws(raw[start])) {
            start++;
        }
        while (end > start && isFws(raw[end - 1])) {
            end--;
        }
        return end - start == 1 && raw[start] == 'b';
    }

    private static boolean isFws(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static byte[] base64(String value, String tag) throws DkimFormatException {
        try {
            return Base64.getDecoder().decode(TagList.stripFws(value));
        } catch (IllegalArgumentException e) {
            throw new DkimFormatException(tag + "= is not base64");
        }
    }

    private static long number(TagList tags, String tag, int maxDigits) throws DkimFormatException {
        String value = tags.get(tag);
        if (value == null) {
            return -1;
        }
        if (value.isEmpty() || value.length() > maxDigits || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new DkimFormatException("bad " + tag + "=");
        }
        // longer than a long: more octets than any body, or a time beyond any clock
        return value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
    }

    static String domain(String text, String tag) throws DkimFormatException {
        try {
            return Domain.parse(text).ascii();
        } catch (AddressException e) {
            throw new DkimFormatException("bad " + tag + "=");
        }
    }

    /** §3.1: a selector is one or more dot-separated sub-domains; returned in lower case. */
    static String selectorOf(String text) throws DkimFormatException {
        boolean ascii = text.chars().allMatch(c -> c < 0x80);
        if (!ascii) {
            return domain(text, "s");
        }
        if (text.isEmpty() || text.length() > 253) {
            throw new DkimFormatException("bad s=");
        }
        for (String label : text.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63
                    || !label.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
                throw new DkimFormatException("bad s=");
            }
        }
        return text.toLowerCase(Locale.ROOT);
    }
}
