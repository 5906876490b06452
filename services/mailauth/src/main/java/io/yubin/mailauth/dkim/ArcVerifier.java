package io.yubin.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Validates the ARC chain of a message (RFC 8617 §5.2): the ARC sets are complete and numbered 1 to
 * N (at most 50), the newest seal does not say cv=fail, the newest ARC-Message-Signature verifies
 * (a DKIM signature in all but name, §4.1.2), and every ARC-Seal verifies over the sets up to its
 * own (§5.1.1), with cv=none on the first and cv=pass on the others. Here, beside DKIM, because
 * both signatures are DKIM's: the same tag lists, canonicalization, hashes, keys and algorithms
 * (rsa-sha256 and ed25519-sha256; rsa-sha1 fails, RFC 8301). The message is read once, on the
 * blocking executor.
 */
public final class ArcVerifier {

    static final String SEAL = "ARC-Seal";
    static final String SIGNATURE = "ARC-Message-Signature";
    static final String RESULTS = "ARC-Authentication-Results";
    // RFC 8617 §4.2.1: at most 50 ARC sets
    static final int MAX_INSTANCES = 50;
    private static final int MAX_HEADER_BYTES = 1024 * 1024;

    private final DkimKeyLookup keys;
    private final Executor blocking;

    public ArcVerifier(DkimKeyLookup keys, Executor blocking) {
        this.keys = Objects.requireNonNull(keys);
        this.blocking = Objects.requireNonNull(blocking);
    }

    /** The chain validation status; the stage fails only when the message cannot be read. */
    public CompletionStage<ArcResult> verify(InputStream message) {
        return CompletableFuture.supplyAsync(() -> read(message), blocking).thenCompose(chain -> {
            if (chain.early != null) {
                return CompletableFuture.completedFuture(chain.early);
            }
            Map<String, CompletableFuture<DkimKeyLookup.Answer>> lookups = new LinkedHashMap<>();
            lookups.computeIfAbsent(chain.signature.keyName(), this::lookup);
            for (Seal seal : chain.seals) {
                lookups.computeIfAbsent(seal.keyName(), this::lookup);
            }
            return CompletableFuture.allOf(lookups.values().toArray(CompletableFuture[]::new))
                    .thenApplyAsync(done -> chain.validate(lookups), blocking);
        });
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

    /** One ARC-Seal (§4.1.3): i, a, b, d, s, cv; always relaxed header canonicalization. */
    private record Seal(int instance, HeaderField field, DkimAlgorithm algorithm, byte[] signature, String domain,
            String selector, String cv) {

        String keyName() {
            return selector + "._domainkey." + domain;
        }
    }

    /** The ARC sets as read: or the result already known. */
    private static final class Chain {
        ArcResult early;
        int instances;
        List<HeaderField> results = new ArrayList<>();
        List<HeaderField> signatures = new ArrayList<>();
        List<Seal> seals = new ArrayList<>();
        List<HeaderField> header;
        DkimSignature signature;
        BodyHashes.Hash bodyHash;

        static Chain of(ArcResult result) {
            Chain c = new Chain();
            c.early = result;
            return c;
        }

        ArcResult validate(Map<String, CompletableFuture<DkimKeyLookup.Answer>> lookups) {
            // §5.2 step 4: the newest ARC-Message-Signature
            DkimSignature ams = signature;
            String problem = keyProblem(lookups.get(ams.keyName()).join(), ams.algorithm());
            if (problem != null) {
                return ArcResult.fail(instances, "ARC-Message-Signature i=" + instances + ": " + problem);
            }
            PublicKey amsKey = key(lookups.get(ams.keyName()).join());
            if (ams.bodyLength() >= 0 && ams.bodyLength() > bodyHash.canonicalLength()
                    || !MessageDigest.isEqual(bodyHash.digest(), ams.bodyHash())) {
                return ArcResult.fail(instances, "ARC-Message-Signature i=" + instances + ": body hash did not verify");
            }
            byte[] input = HeaderHash.input(header, ams.signedHeaders(), ams.headerCanonicalization(),
                    DkimSignature.withoutSignatureValue(ams.field()));
            if (!verifies(ams.algorithm(), amsKey, input, ams.signature())) {
                return ArcResult.fail(instances, "ARC-Message-Signature i=" + instances + ": signature did not verify");
            }
            // §5.2 step 6: every seal, newest first
            for (int i = instances; i >= 1; i--) {
                Seal seal = seals.get(i - 1);
                problem = keyProblem(lookups.get(seal.keyName()).join(), seal.algorithm());
                if (problem != null) {
                    return ArcResult.fail(instances, "ARC-Seal i=" + i + ": " + problem);
                }
                if (!verifies(seal.algorithm(), key(lookups.get(seal.keyName()).join()), sealInput(i),
                        seal.signature())) {
                    return ArcResult.fail(instances, "ARC-Seal i=" + i + ": signature did not verify");
                }
            }
            return new ArcResult(ArcResult.Status.PASS, instances, "");
        }

        /** §5.1.1: the sets 1 to i in order, each AAR, AMS, AS; the last seal without b= and final CRLF. */
        private byte[] sealInput(int i) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int k = 1; k <= i; k++) {
                out.writeBytes(Canonicalization.RELAXED.header(results.get(k - 1).raw()));
                out.writeBytes(Canonicalization.RELAXED.header(signatures.get(k - 1).raw()));
                if (k < i) {
                    out.writeBytes(Canonicalization.RELAXED.header(seals.get(k - 1).field().raw()));
                }
            }
            byte[] last = Canonicalization.RELAXED.header(DkimSignature.withoutSignatureValue(
                    seals.get(i - 1).field()));
            int n = last.length;
            if (n >= 2 && last[n - 2] == '\r' && last[n - 1] == '\n') {
                n -= 2;
            }
            out.write(last, 0, n);
            return out.toByteArray();
        }

        /** Why the key cannot verify a signature of this algorithm; null when it can. */
        private static String keyProblem(DkimKeyLookup.Answer answer, DkimAlgorithm algorithm) {
            if (answer instanceof DkimKeyLookup.TemporaryFailure failure) {
                return "key lookup failed: " + failure.reason();
            }
            if (!(answer instanceof DkimKeyLookup.Records records) || records.texts().isEmpty()) {
                return "no key";
            }
            if (algorithm == DkimAlgorithm.RSA_SHA1) {
                return "rsa-sha1 is not accepted (RFC 8301)";
            }
            try {
                DkimKeyRecord key = DkimKeyRecord.first(records.texts());
                if (key.revoked()) {
                    return "key revoked";
                }
                if (!key.keyType().equals(algorithm.keyType()) || !key.allows(algorithm) || !key.forEmail()) {
                    return "key does not fit the signature";
                }
                PublicKey publicKey = key.toPublicKey();
                if (key.keyType().equals("rsa") && (DkimKeyRecord.rsaBits(publicKey) < DkimVerifier.MIN_RSA_BITS
                        || DkimKeyRecord.rsaBits(publicKey) > DkimVerifier.MAX_RSA_BITS)) {
                    return "RSA key size out of bounds";
                }
                return null;
            } catch (DkimFormatException e) {
                return e.getMessage();
            }
        }

        private static PublicKey key(DkimKeyLookup.Answer answer) {
            try {
                return DkimKeyRecord.first(((DkimKeyLookup.Records) answer).texts()).toPublicKey();
            } catch (DkimFormatException e) {
                throw new IllegalStateException(e);
            }
        }


        private static boolean verifies(DkimAlgorithm algorithm, PublicKey key, byte[] input, byte[] signature) {
            try {
                return algorithm.verify(key, input, signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }

    private Chain read(InputStream message) {
        try {
            MessageReader reader = new MessageReader(message);
            List<HeaderField> header = reader.readHeader(MAX_HEADER_BYTES);
            if (header == null) {
                return Chain.of(ArcResult.fail(0, "header section over " + MAX_HEADER_BYTES + " bytes"));
            }
            Map<Integer, HeaderField> results = new HashMap<>();
            Map<Integer, HeaderField> signatures = new HashMap<>();
            Map<Integer, HeaderField> seals = new HashMap<>();
            int count = 0;
            for (HeaderField field : header) {
                Map<Integer, HeaderField> target = field.hasName(RESULTS) ? results
                        : field.hasName(SIGNATURE) ? signatures : field.hasName(SEAL) ? seals : null;
                if (target == null) {
                    continue;
                }
                count++;
                int instance = instance(field, target == results);
                if (instance < 1 || instance > MAX_INSTANCES || target.putIfAbsent(instance, field) != null) {
                    return Chain.of(ArcResult.fail(0, "bad or repeated instance in " + field.name()));
                }
            }
            if (count == 0) {
                return Chain.of(new ArcResult(ArcResult.Status.NONE, 0, ""));
            }
            int n = seals.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
            // §5.2 step 3: sets 1 to N, each complete
            if (n == 0 || results.size() != n || signatures.size() != n || seals.size() != n
                    || !results.containsKey(n) || !signatures.containsKey(n)) {
                return Chain.of(ArcResult.fail(n, "incomplete ARC sets"));
            }
            Chain chain = new Chain();
            chain.instances = n;
            chain.header = header;
            for (int i = 1; i <= n; i++) {
                chain.results.add(results.get(i));
                chain.signatures.add(signatures.get(i));
                Seal seal;
                try {
                    seal = seal(i, seals.get(i));
                } catch (DkimFormatException e) {
                    return Chain.of(ArcResult.fail(n, "ARC-Seal i=" + i + ": " + e.getMessage()));
                }
                // §5.2 step 2 and §4.1.3: cv=fail ends the chain; the first seal says none, later ones pass
                if (seal.cv().equals("fail")) {
                    return Chain.of(ArcResult.fail(n, "ARC-Seal i=" + i + " says cv=fail"));
                }
                if (!seal.cv().equals(i == 1 ? "none" : "pass")) {
                    return Chain.of(ArcResult.fail(n, "ARC-Seal i=" + i + " has cv=" + seal.cv()));
                }
                chain.seals.add(seal);
            }
            try {
                chain.signature = messageSignature(signatures.get(n));
            } catch (DkimFormatException e) {
                return Chain.of(ArcResult.fail(n, "ARC-Message-Signature i=" + n + ": " + e.getMessage()));
            }
            BodyHashes.Key key = new BodyHashes.Key(chain.signature.bodyCanonicalization(),
                    chain.signature.algorithm().digest(), chain.signature.bodyLength());
            BodyHashes hashes = new BodyHashes(List.of(key));
            byte[] chunk = new byte[64 * 1024];
            for (int r; (r = reader.readBody(chunk)) >= 0; ) {
                hashes.update(chunk, 0, r);
            }
            chain.bodyHash = hashes.finish().get(key);
            return chain;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The i= of an ARC field; for ARC-Authentication-Results the value starts with it (§4.1.1). */
    static int instance(HeaderField field, boolean results) {
        String value = field.value();
        String text;
        if (results) {
            int semicolon = value.indexOf(';');
            text = TagList.stripFws(semicolon < 0 ? value : value.substring(0, semicolon));
            if (!text.startsWith("i=")) {
                return -1;
            }
            text = text.substring(2);
        } else {
            try {
                text = TagList.parse(value).get("i");
                text = text == null ? null : TagList.stripFws(text);
            } catch (DkimFormatException e) {
                return -1;
            }
        }
        if (text == null || text.isEmpty() || text.length() > 2 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(text);
    }

    /** An ARC-Message-Signature read as the DKIM signature it is, i= being the instance, not an identity. */
    private static DkimSignature messageSignature(HeaderField field) throws DkimFormatException {
        TagList tags = TagList.parse(field.value());
        Map<String, String> asDkim = new LinkedHashMap<>(tags.tags());
        asDkim.remove("i");
        asDkim.put("v", "1");
        return DkimSignature.parse(field, new TagList(asDkim));
    }

    private static Seal seal(int instance, HeaderField field) throws DkimFormatException {
        TagList tags = TagList.parse(field.value());
        for (String required : List.of("a", "b", "d", "s", "cv")) {
            if (!tags.has(required)) {
                throw new DkimFormatException("missing " + required + "=");
            }
        }
        if (tags.has("h")) {
            // §4.1.3: an ARC-Seal has no h=
            throw new DkimFormatException("h= not allowed");
        }
        DkimAlgorithm algorithm = DkimAlgorithm.of(tags.get("a"));
        if (algorithm == null) {
            throw new DkimFormatException("unsupported algorithm a=" + tags.get("a"));
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(TagList.stripFws(tags.get("b")));
        } catch (IllegalArgumentException e) {
            throw new DkimFormatException("bad base64 in b=");
        }
        return new Seal(instance, field, algorithm, signature, DkimSignature.domain(tags.get("d"), "d"),
                DkimSignature.selectorOf(tags.get("s")), TagList.stripFws(tags.get("cv")).toLowerCase(java.util.Locale.ROOT));
    }
}
