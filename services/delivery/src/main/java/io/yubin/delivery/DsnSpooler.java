package io.yubin.delivery;

import io.yubin.delivery.remote.DsnBuilder;
import io.yubin.delivery.remote.DsnRecipient;
import io.yubin.store.BlobStore;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Puts delivery status notifications (RFC 3464, made by {@link DsnBuilder}) into the spool as new
 * entries from the null reverse-path to the original sender, to be delivered like any message:
 * into a local sender's INBOX, or by remote delivery.
 *
 * <p>A notification's spool id is derived from the original's id, the kind of notification and the
 * recipients it reports on, so a delivery run repeated after a crash (the notification spooled, the
 * recipients' states not yet recorded) finds it there ({@code CONFLICT}) and spools no second one.
 * A notification is never made for a message from the null reverse-path ({@link DsnBuilder#plan}).
 */
public final class DsnSpooler {

    /**
     * The client address recorded for the entries this server makes (notifications, forwarded
     * copies). SMTP records an IP address, never this, so such an entry may be relayed to remote
     * recipients ({@link #isMadeHere}).
     */
    public static final String CLIENT_ADDRESS = "local";

    private final Spool spool;
    private final BlobStore blobs;
    private final DsnBuilder builder;
    private final String reportingMta;
    private final Clock clock;
    private final Executor worker;

    /**
     * @param worker where notifications are written: {@link DsnBuilder#write} blocks on the original's
     *     body, so never an event loop
     */
    public DsnSpooler(Spool spool, BlobStore blobs, String reportingMta, Clock clock, Executor worker) {
        this.spool = spool;
        this.blobs = blobs;
        this.builder = new DsnBuilder(reportingMta, clock);
        this.reportingMta = reportingMta;
        this.clock = clock;
        this.worker = worker;
    }

    /**
     * Whether this server made {@code entry} (a notification, or a copy an alias forwards): SMTP
     * records an IP address as the client's, never {@link #CLIENT_ADDRESS}. Such an entry may go to
     * remote recipients though no user authenticated for it.
     */
    public static boolean isMadeHere(SpoolEntry entry) {
        return CLIENT_ADDRESS.equals(entry.client().address());
    }

    /**
     * Spools the notification due for {@code recipients} of {@code original}, if one is (not for a
     * null sender, not when NOTIFY leaves none); its spool id, also when an earlier run spooled it.
     */
    public CompletionStage<Optional<SpoolId>> spool(SpoolEntry original, List<DsnRecipient> recipients) {
        Optional<DsnBuilder.Dsn> planned = builder.plan(original.envelope(), original.receivedAt(), recipients);
        if (planned.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        DsnBuilder.Dsn dsn = planned.get();
        SpoolId id = idFor(original.id(), dsn.recipients());
        return blobs.get(original.blob().id())
                .thenApplyAsync(body -> write(dsn, body), worker)
                .thenCompose(bytes -> spool.acceptWithBody(blobs, new ByteArrayInputStream(bytes),
                        blob -> SpoolEntry.queued(id, dsn.envelope(), blob,
                                clock.instant().truncatedTo(ChronoUnit.MILLIS),
                                new SpoolEntry.ClientInfo(reportingMta, CLIENT_ADDRESS, null))))
                .handle((entry, failure) -> {
                    if (failure == null || isConflict(failure)) {
                        // CONFLICT: an earlier run of the same delivery spooled it.
                        return Optional.of(id);
                    }
                    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                });
    }

    /** The notification in memory: with RET=HDRS (the default) a few KiB; RET=FULL holds the original. */
    private byte[] write(DsnBuilder.Dsn dsn, InputStream original) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (original) {
            builder.write(dsn, original, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The original's id, then the first 16 hex digits of SHA-256 over the action and the recipients. */
    static SpoolId idFor(SpoolId original, List<DsnRecipient> recipients) {
        StringBuilder key = new StringBuilder();
        recipients.stream()
                .sorted(Comparator.comparing((DsnRecipient r) -> r.recipient().address().canonical()))
                .forEach(r -> key.append(r.action().field()).append(' ')
                        .append(r.recipient().address().canonical()).append('\n'));
        return derivedId(original, "dsn", key.toString());
    }

    /**
     * The id of an entry this server makes from {@code original}: its id, {@code -kind-}, then the
     * first 16 hex digits of SHA-256 over {@code key}, so a repeated run derives the same id.
     */
    static SpoolId derivedId(SpoolId original, String kind, String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return new SpoolId(original.value() + "-" + kind + "-" + HexFormat.of().formatHex(hash, 0, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Whether {@code failure} is the spool's CONFLICT: the entry exists already. */
    static boolean isConflict(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return t instanceof StoreException e && e.kind() == StoreException.Kind.CONFLICT;
    }
}
