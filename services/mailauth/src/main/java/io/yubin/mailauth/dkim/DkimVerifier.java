package io.yubin.mailauth.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Verifies every DKIM-Signature of a message (RFC 6376 §6, RFC 8463, RFC 8301). The message is
 * read once, on the blocking executor: the header section first, which starts the key lookups,
 * then the body, hashed for all signatures in the same pass and never held in memory.
 */
public final class DkimVerifier {

    /**
     * Bounds on the work one message may cause.
     *
     * @param maxSignatures signatures verified per message; the ones after them are reported neutral
     * @param maxHeaderBytes the longest header section read; a longer one is a permerror
     * @param clockSkew how far t= may lie in the future and x= in the past
     */
    public record Limits(int maxSignatures, int maxHeaderBytes, Duration clockSkew) {

        public static final Limits DEFAULT = new Limits(10, 1024 * 1024, Duration.ofMinutes(5));

        public Limits {
            if (maxSignatures < 1 || maxHeaderBytes < 1 || clockSkew.isNegative()) {
                throw new IllegalArgumentException("bad DKIM limits");
            }
        }
    }

    // RFC 8301 §3.2: verifiers MUST NOT accept RSA keys under 1024 bits; an upper bound keeps
    // a hostile key record from costing much time
    static final int MIN_RSA_BITS = 1024;
    static final int MAX_RSA_BITS = 8192;
    private static final int CHUNK = 64 * 1024;

    private final DkimKeyLookup keys;
    private final Executor blocking;
    private final Clock clock;
    private final Limits limits;

    public DkimVerifier(DkimKeyLookup keys, Executor blocking, Clock clock, Limits limits) {
        this.keys = Objects.requireNonNull(keys);
        this.blocking = Objects.requireNonNull(blocking);
        this.clock = Objects.requireNonNull(clock);
        this.limits = Objects.requireNonNull(limits);
    }

    /**
     * Verifies the message (wire format, CRLF line ends), reading it once on the blocking executor.
     * One result per DKIM-Signature field, top to bottom; none for an unsigned message. The stage
     * fails only when the message cannot be read.
     */
    public CompletionStage<List<DkimResult>> verify(InputStream message) {
        return CompletableFuture.supplyAsync(() -> read(message), blocking)
                .thenCompose(read -> CompletableFuture.allOf(read.lookups.values().toArray(CompletableFuture[]::new))
                        .thenApplyAsync(done -> read.results(), blocking));
    }

    /** One DKIM-Signature field on its way to a result. */
    private static final class Check {
        final Ids ids;
        Outcome early;
        DkimSignature signature;
        BodyHashes.Key bodyKey;

        Check(Ids ids) {
            this.ids = ids;
        }
    }

    /** What the result reports of a field, read as far as its syntax allowed. */
    private record Ids(String domain, String selector, String algorithm, String identity, String b,
            OptionalLong bodyLength) {

        static final Ids NONE = new Ids("", "", "", "", "", OptionalLong.empty());

        DkimResult result(DkimStatus status, String reason, boolean testing, String prefix) {
            return new DkimResult(status, reason, domain, selector, algorithm, identity, prefix, bodyLength, testing);
        }
    }

    /** The message as read: its header, the body hashes, the key lookups under way. */
    private final class Read {
        final List<HeaderField> header;
        final List<Check> checks;
        final Map<String, CompletableFuture<DkimKeyLookup.Answer>> lookups;
        final Map<BodyHashes.Key, BodyHashes.Hash> bodyHashes;

        Read(List<HeaderField> header, List<Check> checks, Map<String, CompletableFuture<DkimKeyLookup.Answer>> lookups,
                Map<BodyHashes.Key, BodyHashes.Hash> bodyHashes) {
            this.header = header;
            this.checks = checks;
            this.lookups = lookups;
            this.bodyHashes = bodyHashes;
        }

        List<DkimResult> results() {
            List<String> bValues = checks.stream().map(c -> c.ids.b()).toList();
            List<DkimResult> results = new ArrayList<>();
            for (int i = 0; i < checks.size(); i++) {
                Check check = checks.get(i);
                Outcome outcome = check.early != null ? check.early : evaluate(check);
                results.add(check.ids.result(outcome.status(), outcome.reason(), outcome.testing(),
                        signaturePrefix(i, bValues)));
            }
            return results;
        }

        private Outcome evaluate(Check check) {
            DkimSignature sig = check.signature;
            DkimKeyLookup.Answer answer = lookups.get(sig.keyName()).join();
            DkimKeyRecord key;
            if (answer instanceof DkimKeyLookup.TemporaryFailure failure) {
                return new Outcome(DkimStatus.TEMPERROR, "key lookup failed: " + failure.reason(), false);
            } else if (answer instanceof DkimKeyLookup.Records records && !records.texts().isEmpty()) {
                try {
                    key = DkimKeyRecord.first(records.texts());
                } catch (DkimFormatException e) {
                    return new Outcome(DkimStatus.PERMERROR, e.getMessage(), false);
                }
            } else {
                return new Outcome(DkimStatus.PERMERROR, "no key for signature", false);
            }
            boolean testing = key.testing();
            // §3.6.1 and §6.1.2: the key record must fit the signature
            if (key.revoked()) {
                return new Outcome(DkimStatus.PERMERROR, "key revoked", testing);
            }
            if (!key.forEmail()) {
                return new Outcome(DkimStatus.PERMERROR, "key not for email (s=)", testing);
            }
            if (!key.keyType().equals(sig.algorithm().keyType())) {
                return new Outcome(DkimStatus.PERMERROR, "key type k=" + key.keyType() + " does not match a=", testing);
            }
            if (!key.allows(sig.algorithm())) {
                return new Outcome(DkimStatus.PERMERROR, "key does not allow " + sig.algorithm().hash() + " (h=)",
                        testing);
            }
            if (key.strict() && !sig.identity().substring(sig.identity().lastIndexOf('@') + 1)
                    .equalsIgnoreCase(sig.domain())) {
                return new Outcome(DkimStatus.PERMERROR, "i= is a subdomain of d= but the key says t=s", testing);
            }
            PublicKey publicKey;
            try {
                publicKey = key.toPublicKey();
            } catch (DkimFormatException e) {
                return new Outcome(DkimStatus.PERMERROR, e.getMessage(), testing);
            }
            if (key.keyType().equals("rsa")) {
                int bits = DkimKeyRecord.rsaBits(publicKey);
                if (bits < MIN_RSA_BITS) {
                    return new Outcome(DkimStatus.FAIL, "RSA key of " + bits + " bits (RFC 8301: 1024 at least)",
                            testing);
                }
                if (bits > MAX_RSA_BITS) {
                    return new Outcome(DkimStatus.PERMERROR, "RSA key of " + bits + " bits is over " + MAX_RSA_BITS,
                            testing);
                }
            }
            BodyHashes.Hash body = bodyHashes.get(check.bodyKey);
            if (sig.bodyLength() >= 0 && sig.bodyLength() > body.canonicalLength()) {
                return new Outcome(DkimStatus.FAIL, "l= is longer than the body", testing);
            }
            if (!MessageDigest.isEqual(body.digest(), sig.bodyHash())) {
                return new Outcome(DkimStatus.FAIL, "body hash did not verify", testing);
            }
            byte[] input = HeaderHash.input(header, sig.signedHeaders(), sig.headerCanonicalization(),
                    DkimSignature.withoutSignatureValue(sig.field()));
            try {
                if (!sig.algorithm().verify(publicKey, input, sig.signature())) {
                    return new Outcome(DkimStatus.FAIL, "signature did not verify", testing);
                }
            } catch (GeneralSecurityException e) {
                return new Outcome(DkimStatus.FAIL, "signature did not verify", testing);
            }
            return new Outcome(DkimStatus.PASS, "", testing);
        }
    }

    private record Outcome(DkimStatus status, String reason, boolean testing) {
        Outcome(DkimStatus status, String reason) {
            this(status, reason, false);
        }
    }

    private Read read(InputStream message) {
        try {
            MessageReader reader = new MessageReader(message);
            List<HeaderField> header = reader.readHeader(limits.maxHeaderBytes());
            if (header == null) {
                Check tooLong = new Check(Ids.NONE);
                tooLong.early = new Outcome(DkimStatus.PERMERROR,
                        "header section over " + limits.maxHeaderBytes() + " bytes");
                return new Read(List.of(), List.of(tooLong), Map.of(), Map.of());
            }
            List<Check> checks = new ArrayList<>();
            Map<String, CompletableFuture<DkimKeyLookup.Answer>> lookups = new LinkedHashMap<>();
            List<BodyHashes.Key> bodyKeys = new ArrayList<>();
            boolean hasFrom = header.stream().anyMatch(f -> f.hasName("From"));
            for (HeaderField field : header) {
                if (field.hasName(DkimSignature.FIELD_NAME)) {
                    Check check = check(field, checks.size(), hasFrom);
                    checks.add(check);
                    if (check.early == null) {
                        DkimSignature sig = check.signature;
                        check.bodyKey = new BodyHashes.Key(sig.bodyCanonicalization(), sig.algorithm().digest(),
                                sig.bodyLength());
                        bodyKeys.add(check.bodyKey);
                        lookups.computeIfAbsent(sig.keyName(), this::lookup);
                    }
                }
            }
            BodyHashes hashes = new BodyHashes(bodyKeys);
            if (!hashes.isEmpty()) {
                byte[] chunk = new byte[CHUNK];
                for (int n; (n = reader.readBody(chunk)) >= 0; ) {
                    hashes.update(chunk, 0, n);
                }
            }
            return new Read(header, checks, lookups, hashes.finish());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything about one field that needs neither its key nor the body. */
    private Check check(HeaderField field, int index, boolean hasFrom) {
        TagList tags;
        try {
            tags = TagList.parse(field.value());
        } catch (DkimFormatException e) {
            Check check = new Check(Ids.NONE);
            check.early = new Outcome(DkimStatus.NEUTRAL, "bad tag list: " + e.getMessage());
            return check;
        }
        Ids written = new Ids(text(tags, "d"), text(tags, "s"), text(tags, "a"), text(tags, "i"), text(tags, "b"),
                OptionalLong.empty());
        if (index >= limits.maxSignatures()) {
            Check check = new Check(written);
            check.early = new Outcome(DkimStatus.NEUTRAL, "not verified: over " + limits.maxSignatures()
                    + " signatures");
            return check;
        }
        DkimSignature sig;
        try {
            sig = DkimSignature.parse(field, tags);
        } catch (DkimFormatException e) {
            Check check = new Check(written);
            check.early = new Outcome(DkimStatus.NEUTRAL, e.getMessage());
            return check;
        }
        Check check = new Check(new Ids(sig.domain(), sig.selector(), sig.algorithm().tag(), sig.identity(),
                written.b(), sig.bodyLength() >= 0 ? OptionalLong.of(sig.bodyLength()) : OptionalLong.empty()));
        long now = clock.instant().getEpochSecond();
        long skew = limits.clockSkew().toSeconds();
        if (sig.algorithm() == DkimAlgorithm.RSA_SHA1) {
            check.early = new Outcome(DkimStatus.POLICY, "rsa-sha1 is not accepted (RFC 8301)");
        } else if (sig.expiration() >= 0 && sig.expiration() < now - skew) {
            // §3.5 x=, §6.1.1: an expired signature is a permanent failure
            check.early = new Outcome(DkimStatus.PERMERROR, "signature expired");
        } else if (sig.timestamp() >= 0 && sig.timestamp() > now + skew) {
            // §3.5 t=: a signature from the future may be ignored
            check.early = new Outcome(DkimStatus.PERMERROR, "signature timestamp in the future");
        } else if (!hasFrom) {
            check.early = new Outcome(DkimStatus.PERMERROR, "message has no From field");
        } else {
            check.signature = sig;
        }
        return check;
    }

    private CompletableFuture<DkimKeyLookup.Answer> lookup(String name) {
        CompletionStage<DkimKeyLookup.Answer> stage;
        try {
            stage = keys.txt(name);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.toCompletableFuture().handle((answer, error) -> error == null && answer != null ? answer
                : new DkimKeyLookup.TemporaryFailure(error == null ? "no answer" : String.valueOf(error.getMessage())));
    }


    private static String text(TagList tags, String name) {
        String value = tags.get(name);
        return value == null ? "" : TagList.stripFws(value);
    }

    /**
     * RFC 6008 §4: the shortest start of b=, 8 characters at least, that no other signature of the
     * message shares; all of it when another signature has the same value.
     */
    static String signaturePrefix(int index, List<String> all) {
        String b = all.get(index);
        int length = Math.min(8, b.length());
        for (int i = 0; i < all.size(); i++) {
            String other = all.get(i);
            if (i != index && !other.isEmpty()) {
                int common = 0;
                while (common < other.length() && common < b.length() && other.charAt(common) == b.charAt(common)) {
                    common++;
                }
                length = Math.max(length, Math.min(common + 1, b.length()));
            }
        }
        return b.substring(0, length);
    }
}
