package io.yubin.delivery;

import io.yubin.mailauth.dkim.ArcSealer;
import io.yubin.store.BlobStore;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ARC sealing of what an alias forwards (RFC 8617, docs/outbound.md "Forwarding"): the forwarded copy
 * gets an ARC set of the alias's domain on top, carrying the results we found when the message came
 * in, so that the receiver can still trust them once forwarding has broken SPF. Without a DKIM key of
 * that domain, or with nothing to seal, the copy goes out as it came.
 */
public final class ArcForwarding {

    private static final Logger LOG = LoggerFactory.getLogger(ArcForwarding.class);

    private final ArcSealer sealer;
    private final String authservId;
    private final BlobStore blobs;
    private final Executor blocking;

    /**
     * @param authservId the authserv-id of our Authentication-Results fields
     * @param blocking where the message is read and signed
     */
    public ArcForwarding(ArcSealer sealer, String authservId, BlobStore blobs, Executor blocking) {
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.authservId = Objects.requireNonNull(authservId, "authservId");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    /**
     * Spools the forwarded copy of {@code original}: sealed as {@code domain} in a body of its own when a
     * set can be made, else on the original's body. {@code copyFor} makes the entry from its body.
     */
    CompletionStage<SpoolEntry> spool(Spool spool, SpoolEntry original, String domain,
            Function<StoredBlob, SpoolEntry> copyFor) {
        return blobs.get(original.blob().id()).thenApplyAsync(in -> seal(in, domain), blocking).thenCompose(sealed -> {
            if (!sealed.sealed()) {
                LOG.debug("{}: forwarded copy not ARC-sealed: {}", original.id(), sealed.reason());
                SpoolEntry copy = copyFor.apply(original.blob());
                return spool.accept(copy).thenApply(v -> copy);
            }
            byte[] fields = String.join("", sealed.fields()).getBytes(StandardCharsets.UTF_8);
            return blobs.get(original.blob().id()).thenCompose(body -> spool.acceptWithBody(blobs,
                    new SequenceInputStream(new ByteArrayInputStream(fields), body), copyFor));
        });
    }

    private ArcSealer.Sealed seal(InputStream message, String domain) {
        try (message) {
            return sealer.seal(domain, authservId, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
