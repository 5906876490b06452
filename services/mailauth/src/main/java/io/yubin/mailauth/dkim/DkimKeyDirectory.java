package io.yubin.mailauth.dkim;

import io.yubin.model.AddressException;
import io.yubin.model.Domain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signing keys read from a directory laid out as {@code <dir>/<domain>/<selector>.key}, each an
 * unencrypted PKCS#8 PEM private key (RSA or Ed25519) — the layout the operator's Secret is
 * mounted in. A domain's directory is looked at again when its last look is older than the
 * recheck interval; a key file is read again when its modification time, size or identity
 * changed (a Kubernetes Secret update swaps a symlink, which changes all three).
 */
public final class DkimKeyDirectory implements DkimKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DkimKeyDirectory.class);
    private static final String SUFFIX = ".key";

    private final Path directory;
    private final Clock clock;
    private final Duration recheck;
    private final Map<String, Snapshot> domains = new ConcurrentHashMap<>();

    public DkimKeyDirectory(Path directory) {
        this(directory, Clock.systemUTC(), Duration.ofSeconds(5));
    }

    public DkimKeyDirectory(Path directory, Clock clock, Duration recheck) {
        this.directory = Objects.requireNonNull(directory);
        this.clock = Objects.requireNonNull(clock);
        this.recheck = Objects.requireNonNull(recheck);
    }

    /** A domain's keys as the directory held them at most the recheck interval ago; blocking file I/O. */
    @Override
    public List<DkimSigningKey> forDomain(String domain) {
        String name;
        try {
            name = Domain.parse(domain).ascii();
        } catch (AddressException e) {
            return List.of();
        }
        Instant now = clock.instant();
        Snapshot snapshot = domains.compute(name, (d, old) -> old != null && old.checked.plus(recheck).isAfter(now)
                ? old : scan(d, old, now));
        return snapshot.keys();
    }

    private record Snapshot(Instant checked, Map<Path, Loaded> files) {
        List<DkimSigningKey> keys() {
            return files.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(Path::toString)))
                    .map(e -> e.getValue().key).filter(Objects::nonNull).toList();
        }
    }

    /** A key file as last read; {@code key} is null when it could not be used. */
    private record Loaded(Instant modified, long size, Object fileKey, DkimSigningKey key) {
    }

    private Snapshot scan(String domain, Snapshot old, Instant now) {
        Map<Path, Loaded> before = old == null ? Map.of() : old.files;
        Map<Path, Loaded> files = new HashMap<>();
        Path dir = directory.resolve(domain);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : entries) {
                String fileName = file.getFileName().toString();
                if (fileName.startsWith(".")) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (IOException e) {
                    continue;
                }
                if (!attributes.isRegularFile()) {
                    continue;
                }
                Instant modified = attributes.lastModifiedTime().toInstant();
                Loaded previous = before.get(file);
                if (previous != null && previous.modified.equals(modified) && previous.size == attributes.size()
                        && Objects.equals(previous.fileKey, attributes.fileKey())) {
                    files.put(file, previous);
                    continue;
                }
                String selector = fileName.substring(0, fileName.length() - SUFFIX.length());
                files.put(file, new Loaded(modified, attributes.size(), attributes.fileKey(), load(selector, file)));
            }
        } catch (NoSuchFileException e) {
            return new Snapshot(now, Map.of());
        } catch (IOException e) {
            LOG.warn("DKIM keys of {}: cannot list {}: {}", domain, dir, e.toString());
            return old != null ? new Snapshot(now, old.files) : new Snapshot(now, Map.of());
        }
        return new Snapshot(now, files);
    }

    private static DkimSigningKey load(String selector, Path file) {
        try {
            DkimSignature.selectorOf(selector);
            DkimSigningKey key = new DkimSigningKey(selector, readPrivateKey(Files.readString(file,
                    StandardCharsets.US_ASCII)));
            LOG.info("DKIM key {} loaded ({})", file, key.algorithmName());
            return key;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException | DkimFormatException e) {
            LOG.warn("DKIM key {} not used: {}", file, e.getMessage());
            return null;
        }
    }

    /** Reads an unencrypted PKCS#8 PEM private key ("BEGIN PRIVATE KEY"), RSA or Ed25519. */
    public static PrivateKey readPrivateKey(String pem) throws GeneralSecurityException {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new GeneralSecurityException(pem.contains("BEGIN RSA PRIVATE KEY")
                    ? "PKCS#1 key: convert it with openssl pkcs8 -topk8 -nocrypt"
                    : "no unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("PEM key is not base64");
        }
        for (String algorithm : List.of("RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the other type
            }
        }
        throw new GeneralSecurityException("neither an RSA nor an Ed25519 PKCS#8 key");
    }
}
