package io.yubin.mailauth.dkim;

import io.yubin.mailauth.AuthorDomain;
import io.yubin.model.Domain;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Signs outgoing messages (RFC 6376 §5): relaxed/relaxed, one signature per key of the domain, so
 * a domain with an RSA and an Ed25519 key gets both (RFC 8463 §4 expects signers to keep RSA
 * alongside Ed25519 while verifiers catch up). The message is read once; the body hash is shared.
 */
public final class DkimSigner {

    /**
     * Signed once per instance present plus once more: an empty extra instance (§5.4.2, §8.15)
     * makes any added copy of these fields break the signature. These are the fields a reader sees
     * or a MUA acts on (author, subject, date, recipients, threading, MIME structure); a second
     * From or Subject, or an added Reply-To or Content-Type, would change what the reader gets while
     * the old signature still held. Oversigning an absent one forbids adding it, which is what
     * this list wants: mailing lists that add Reply-To should re-sign as themselves (DMARC).
     */
    static final List<String> OVERSIGNED = List.of("from", "subject", "date", "to", "cc", "message-id", "reply-to",
            "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding");

    /**
     * Signed as many times as present, without the extra instance: fields a forwarder may
     * legitimately add when absent. RFC 8058 §4 asks for List-Unsubscribe and
     * List-Unsubscribe-Post to be signed when present.
     */
    static final List<String> SIGNED_WHEN_PRESENT = List.of("sender", "list-id", "list-unsubscribe",
            "list-unsubscribe-post");

    static final int MAX_HEADER_BYTES = 1024 * 1024;
    private static final int LINE = 78; // RFC 5322 §2.1.1: lines SHOULD be at most 78 characters
    private static final int CHUNK = 64 * 1024;

    private final DkimKeys keys;
    private final Clock clock;

    public DkimSigner(DkimKeys keys, Clock clock) {
        this.keys = Objects.requireNonNull(keys);
        this.clock = Objects.requireNonNull(clock);
    }

    /** See {@link #sign(String, InputStream)}. */
    public List<String> sign(String domain, byte[] message) {
        try {
            return sign(domain, new ByteArrayInputStream(message));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The DKIM-Signature fields to prepend to the message (wire format, CRLF line ends), each
     * ending in CRLF, for every key of {@code domain}; none when it has no key. Blocking: the
     * caller runs it off the event loop.
     *
     * @throws IllegalArgumentException when the message has no From field (§5.4 requires it
     *     signed) or a header section over 1 MiB
     */
    public List<String> sign(String domain, InputStream message) throws IOException {
        String d = Domain.parse(domain).ascii();
        List<DkimSigningKey> domainKeys = keys.forDomain(d);
        if (domainKeys.isEmpty()) {
            return List.of();
        }
        MessageReader reader = new MessageReader(message);
        List<HeaderField> header = readHeader(reader);
        if (header.stream().noneMatch(f -> f.hasName("From"))) {
            throw new IllegalArgumentException("message has no From field");
        }
        return sign(d, domainKeys, header, reader);
    }

    /**
     * What {@link #signAsAuthor} did: the domain it signed as and the fields to prepend, or why it
     * did not sign ({@code domain} null, {@code fields} empty).
     */
    public record Signed(String domain, List<String> fields, String reason) {
        public Signed {
            fields = List.copyOf(fields);
        }

        public boolean signed() {
            return !fields.isEmpty();
        }

        static Signed not(String reason) {
            return new Signed(null, List.of(), reason);
        }
    }

    /**
     * Signs as the author's domain: the one domain of the From field's mailboxes ({@link AuthorDomain}),
     * when {@code mayUse} allows it and the domain has keys. Not signed (with the reason) when there is
     * no From field or several, no single author domain, a domain the sender may not sign as, or no
     * key. Blocking, like {@link #sign(String, InputStream)}.
     *
     * @param mayUse whether the submitter may sign as a domain (A-label, lower case)
     * @throws IllegalArgumentException when the header section is over 1 MiB
     */
    public Signed signAsAuthor(Predicate<String> mayUse, InputStream message) throws IOException {
        MessageReader reader = new MessageReader(message);
        List<HeaderField> header = readHeader(reader);
        List<HeaderField> from = header.stream().filter(f -> f.hasName("From")).toList();
        if (from.size() != 1) {
            // RFC 5322 §3.6: exactly one From field
            return Signed.not(from.isEmpty() ? "no From field" : from.size() + " From fields");
        }
        if (!(AuthorDomain.of(List.of(from.get(0).value())) instanceof AuthorDomain.Found author)) {
            return Signed.not("no single author domain in From");
        }
        String d = author.domain();
        if (!mayUse.test(d)) {
            return Signed.not("the sender may not sign as " + d);
        }
        List<DkimSigningKey> domainKeys = keys.forDomain(d);
        if (domainKeys.isEmpty()) {
            return Signed.not("no DKIM key for " + d);
        }
        return new Signed(d, sign(d, domainKeys, header, reader), null);
    }

    static List<HeaderField> readHeader(MessageReader reader) throws IOException {
        List<HeaderField> header = reader.readHeader(MAX_HEADER_BYTES);
        if (header == null) {
            throw new IllegalArgumentException("header section over " + MAX_HEADER_BYTES + " bytes");
        }
        return header;
    }

    private List<String> sign(String d, List<DkimSigningKey> domainKeys, List<HeaderField> header,
            MessageReader reader) throws IOException {
        String bh = bodyHash(reader);
        List<String> names = signedHeaders(header);
        long now = clock.instant().getEpochSecond();
        List<String> fields = new ArrayList<>();
        for (DkimSigningKey key : domainKeys) {
            fields.add(signature(DkimSignature.FIELD_NAME, "v=1;", header, names, key, d, now, bh));
        }
        return fields;
    }

    /** bh=: the SHA-256 of the rest of the message (the body), relaxed, in Base64. */
    static String bodyHash(MessageReader reader) throws IOException {
        BodyHashes.Key bodyKey = new BodyHashes.Key(Canonicalization.RELAXED, "SHA-256", -1);
        BodyHashes hashes = new BodyHashes(List.of(bodyKey));
        byte[] chunk = new byte[CHUNK];
        for (int n; (n = reader.readBody(chunk)) >= 0; ) {
            hashes.update(chunk, 0, n);
        }
        Map<BodyHashes.Key, BodyHashes.Hash> bodyHash = hashes.finish();
        return Base64.getEncoder().encodeToString(bodyHash.get(bodyKey).digest());
    }

    /** h=: the oversigned names n+1 times each, the others n times, in a fixed order. */
    static List<String> signedHeaders(List<HeaderField> header) {
        List<String> names = new ArrayList<>();
        for (String name : OVERSIGNED) {
            long present = header.stream().filter(f -> f.hasName(name)).count();
            for (long i = 0; i <= present; i++) {
                names.add(name);
            }
        }
        for (String name : SIGNED_WHEN_PRESENT) {
            header.stream().filter(f -> f.hasName(name)).forEach(f -> names.add(name));
        }
        return names;
    }

    /**
     * A signature field over {@code header} ({@code names} in h=) and the body hash: DKIM-Signature
     * with {@code v=1;} first, or ARC-Message-Signature with {@code i=<n>;} first (RFC 8617 §4.1.2).
     */
    static String signature(String fieldName, String firstTag, List<HeaderField> header, List<String> names,
            DkimSigningKey key, String domain, long time, String bodyHash) {
        DkimAlgorithm algorithm = key.algorithm();
        Folder folder = new Folder(fieldName + ":");
        folder.word(firstTag);
        folder.word("a=" + algorithm.tag() + ";");
        folder.word("c=relaxed/relaxed;");
        folder.word("d=" + domain + ";");
        folder.word("s=" + key.selector().toLowerCase(Locale.ROOT) + ";");
        folder.word("t=" + time + ";");
        for (int i = 0; i < names.size(); i++) {
            String piece = (i == 0 ? "h=" : "") + names.get(i) + (i == names.size() - 1 ? ";" : ":");
            if (i == 0) {
                folder.word(piece);
            } else {
                folder.glued(piece); // FWS may follow a colon of h= (§3.5)
            }
        }
        folder.word("bh=" + bodyHash + ";");
        folder.word("b=");
        byte[] input = HeaderHash.input(header, names, Canonicalization.RELAXED,
                folder.text().getBytes(StandardCharsets.US_ASCII));
        return signed(folder, key, input);
    }

    /**
     * Appends b= (the signature of {@code input}) to the field laid out so far, folded to the line
     * length, and returns the field with its CRLF.
     */
    static String signed(Folder folder, DkimSigningKey key, byte[] input) {
        String b;
        try {
            b = Base64.getEncoder().encodeToString(key.algorithm().sign(key.privateKey(), input));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with " + key.selector() + " failed", e);
        }
        // b= is last, so its folding cannot change what was signed: its value and the FWS around it are
        // removed before hashing (§3.5 b=)
        for (int i = 0; i < b.length(); ) {
            int room = Math.max(LINE - folder.column(), 0);
            if (room == 0) {
                folder.fold();
                room = LINE - folder.column();
            }
            int n = Math.min(room, b.length() - i);
            folder.glued(b.substring(i, i + n));
            i += n;
        }
        return folder.text() + "\r\n";
    }

    /** Lays out a header field: words separated by a space, or by a fold where the line would pass 78. */
    static final class Folder {
        private final StringBuilder text;
        private int column;

        Folder(String start) {
            text = new StringBuilder(start);
            column = start.length();
        }

        void word(String word) {
            if (column + 1 + word.length() > LINE) {
                fold();
            } else {
                text.append(' ');
                column++;
            }
            text.append(word);
            column += word.length();
        }

        void glued(String piece) {
            if (column + piece.length() > LINE) {
                fold();
            }
            text.append(piece);
            column += piece.length();
        }

        void fold() {
            text.append("\r\n ");
            column = 1;
        }

        int column() {
            return column;
        }

        String text() {
            return text.toString();
        }
    }
}
