package io.yubin.delivery;

import io.yubin.model.MailAddress;
import io.yubin.mailauth.MessageHeader;
import io.yubin.mailauth.authres.OwnResultsRemover;
import io.yubin.mailauth.authres.ResultsParser;
import io.yubin.store.BlobStore;
import io.yubin.store.SpoolEntry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * DMARC quarantine (RFC 7489 §6.3 p=quarantine) at delivery: the message goes to Junk when the first
 * Authentication-Results field with our authserv-id says {@code policy.dmarc=quarantine}. SMTP put that
 * field at the top of the stored message after removing any that came from outside with our
 * authserv-id (RFC 8601 §5), so only we can have written it; and being in the stored message, the
 * decision survives a restart and is the same on every cluster member, with no spool field for it.
 */
public final class DmarcQuarantine implements Quarantine {

    /** Our field comes right after Return-Path; a header section is searched this far at most. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final BlobStore blobs;
    private final String authservId;
    private final Executor blocking;

    /** @param blocking where the start of the body is read (file or S3 stream reads block) */
    public DmarcQuarantine(BlobStore blobs, String authservId, Executor blocking) {
        this.blobs = Objects.requireNonNull(blobs);
        this.authservId = Objects.requireNonNull(authservId);
        this.blocking = Objects.requireNonNull(blocking);
    }

    /** Why the message is quarantined: the same for every user. */
    public static final String REASON = "quarantined by DMARC policy";

    @Override
    public CompletionStage<Optional<String>> reason(SpoolEntry entry, MailAddress user) {
        // only the start of the body (fewer octets for a shorter one): a ranged read, so S3 sends no more
        return blobs.get(entry.blob().id(), 0, MAX_HEADER_BYTES).thenApplyAsync(this::saysQuarantine, blocking)
                .thenApply(quarantined -> quarantined ? Optional.of(REASON) : Optional.empty());
    }

    private boolean saysQuarantine(InputStream message) {
        try (InputStream in = new BufferedInputStream(message)) {
            return MessageHeader.read(in, MAX_HEADER_BYTES).fields().stream()
                    .filter(field -> OwnResultsRemover.isOurs(field, authservId))
                    .findFirst()
                    .map(field -> ResultsParser.parse(field.value()).first("dmarc")
                            .map(r -> "quarantine".equalsIgnoreCase(r.properties().get("policy.dmarc")))
                            .orElse(false))
                    .orElse(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
