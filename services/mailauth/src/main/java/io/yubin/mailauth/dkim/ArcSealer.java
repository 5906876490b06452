package io.yubin.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Seals a message this server passes on (an alias forwarding it) with an ARC set (RFC 8617 §5.1):
 * ARC-Authentication-Results with what we found when the message arrived, ARC-Message-Signature over
 * the message as forwarded, and ARC-Seal over every ARC set, so that the next receiver can trust our
 * authentication results when forwarding breaks SPF (and DKIM, if a later hop changes the message).
 */
public final class ArcSealer {

    /** RFC 8617 §4.2.1: at most 50 sets. */
    static final int MAX_INSTANCES = 50;

    private final DkimKeys keys;
    private final Clock clock;

    public ArcSealer(DkimKeys keys, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What {@link #seal} made, or why not. */
    public record Sealed(List<String> fields, String reason) {
        public Sealed {
            fields = List.copyOf(fields);
        }

        public boolean sealed() {
            return !fields.isEmpty();
        }

        static Sealed not(String reason) {
            return new Sealed(List.of(), reason);
        }
    }

    /**
     * The ARC set to put on top of {@code message} when forwarding it as {@code domain}, the fields in
     * the order to prepend them (ARC-Seal first), each ending in CRLF. The results sealed are those of
     * our Authentication-Results field (authserv-id {@code authservId}, the first one: SMTP put it at
     * the top); the chain validation status is its {@code arc=} result (none without earlier sets).
     * Not sealed when the domain has no key, the chain is failed already (§5.1: a failed chain is not
     * extended), it has 50 sets, or the message carries no results of ours. Blocking: it reads the
     * message.
     */
    public Sealed seal(String domain, String authservId, InputStream message) throws IOException {
        String d = domain.toLowerCase(Locale.ROOT);
        List<DkimSigningKey> domainKeys = keys.forDomain(d);
        if (domainKeys.isEmpty()) {
            return Sealed.not("no DKIM key for " + d);
        }
        // ARC needs one signature per set; RSA is what every ARC verifier knows (§4.1.2, RFC 8463 later).
        DkimSigningKey key = domainKeys.stream().filter(k -> k.algorithm() == DkimAlgorithm.RSA_SHA256).findFirst()
                .orElse(domainKeys.get(0));
        MessageReader reader = new MessageReader(message);
        List<HeaderField> header = DkimSigner.readHeader(reader);

        Map<Integer, HeaderField> results = new HashMap<>();
        Map<Integer, HeaderField> signatures = new HashMap<>();
        Map<Integer, HeaderField> seals = new HashMap<>();
        String ourResults = null;
        for (HeaderField field : header) {
            if (field.hasName(ArcVerifier.RESULTS)) {
                results.putIfAbsent(ArcVerifier.instance(field, true), field);
            } else if (field.hasName(ArcVerifier.SIGNATURE)) {
                signatures.putIfAbsent(ArcVerifier.instance(field, false), field);
            } else if (field.hasName(ArcVerifier.SEAL)) {
                seals.putIfAbsent(ArcVerifier.instance(field, false), field);
            } else if (ourResults == null && field.hasName("Authentication-Results")) {
                String value = field.value().strip();
                int semicolon = value.indexOf(';');
                String id = (semicolon < 0 ? value : value.substring(0, semicolon)).strip();
                if (id.equalsIgnoreCase(authservId)) {
                    ourResults = semicolon < 0 ? "none" : value.substring(semicolon + 1).strip();
                }
            }
        }
        if (ourResults == null) {
            return Sealed.not("no Authentication-Results of " + authservId + " to seal");
        }
        int before = seals.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (before >= MAX_INSTANCES) {
            return Sealed.not("the chain has " + MAX_INSTANCES + " ARC sets already");
        }
        for (HeaderField seal : seals.values()) {
            if (tag(seal, "cv").equals("fail")) {
                return Sealed.not("the ARC chain is failed already (cv=fail)");
            }
        }
        String cv = before == 0 ? "none" : arcResult(ourResults);
        int i = before + 1;
        for (int k = 1; k < i; k++) {
            if (!results.containsKey(k) || !signatures.containsKey(k) || !seals.containsKey(k)) {
                cv = "fail"; // §5.1.1: a broken chain is sealed as failed
            }
        }
        long now = clock.instant().getEpochSecond();

        String aar = ArcVerifier.RESULTS + ": i=" + i + "; " + authservId + "; " + fold(ourResults) + "\r\n";
        List<String> names = new ArrayList<>(DkimSigner.signedHeaders(header));
        String ams = DkimSigner.signature(ArcVerifier.SIGNATURE, "i=" + i + ";", header, names, key, d, now,
                DkimSigner.bodyHash(reader));

        DkimSigner.Folder folder = new DkimSigner.Folder(ArcVerifier.SEAL + ":");
        folder.word("i=" + i + ";");
        folder.word("a=" + key.algorithm().tag() + ";");
        folder.word("t=" + now + ";");
        folder.word("cv=" + cv + ";");
        folder.word("d=" + d + ";");
        folder.word("s=" + key.selector().toLowerCase(Locale.ROOT) + ";");
        folder.word("b=");
        // §5.1.1: the sets 1 to i in order, each AAR, AMS, AS; the new seal without b= and final CRLF
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (int k = 1; k < i; k++) {
            if (results.containsKey(k) && signatures.containsKey(k) && seals.containsKey(k)) {
                input.writeBytes(Canonicalization.RELAXED.header(results.get(k).raw()));
                input.writeBytes(Canonicalization.RELAXED.header(signatures.get(k).raw()));
                input.writeBytes(Canonicalization.RELAXED.header(seals.get(k).raw()));
            }
        }
        input.writeBytes(Canonicalization.RELAXED.header(aar.getBytes(StandardCharsets.UTF_8)));
        input.writeBytes(Canonicalization.RELAXED.header(ams.getBytes(StandardCharsets.US_ASCII)));
        byte[] seal = Canonicalization.RELAXED.header(folder.text().getBytes(StandardCharsets.US_ASCII));
        input.write(seal, 0, seal.length >= 2 && seal[seal.length - 1] == '\n' ? seal.length - 2 : seal.length);
        String as = DkimSigner.signed(folder, key, input.toByteArray());
        return new Sealed(List.of(as, ams, aar), null);
    }

    /** Our {@code arc=} result as the chain validation status: pass or fail (anything else is fail). */
    private static String arcResult(String results) {
        for (String part : results.split(";")) {
            String p = part.strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("arc=")) {
                String value = p.substring(4).split("[\\s(]", 2)[0];
                return value.equals("pass") ? "pass" : "fail";
            }
        }
        return "fail";
    }

    private static String tag(HeaderField field, String name) {
        try {
            String value = TagList.parse(field.value()).get(name);
            return value == null ? "" : TagList.stripFws(value).toLowerCase(Locale.ROOT);
        } catch (DkimFormatException e) {
            return "";
        }
    }

    /** Folds the results' value at its semicolons, so the field keeps lines short. */
    private static String fold(String results) {
        return results.replaceAll("\\s*\r?\n\\s*", " ").replace("; ", ";\r\n\t");
    }
}
