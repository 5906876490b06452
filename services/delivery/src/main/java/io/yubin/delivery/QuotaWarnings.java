package io.yubin.delivery;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.BlobStore;
import io.yubin.store.MailboxStore;
import io.yubin.store.NewMessage;
import io.yubin.store.Quotas;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns a user by mail when a delivery fills the mailbox past 80 % and past 95 % of its storage or
 * message-count quota (docs/operations.md, "Quotas"): one message into the INBOX, from the domain's postmaster,
 * marked {@code Auto-Submitted: auto-generated} (RFC 3834). The delivery that crosses a level sends it,
 * so each crossing warns once; the spool id in its delivery key makes a repeated delivery warn no more.
 * A warning that cannot be written is logged, never a reason to fail the delivery.
 */
public final class QuotaWarnings {

    private static final Logger LOG = LoggerFactory.getLogger(QuotaWarnings.class);
    /** Percentages of the quota that warn, highest first. */
    static final int[] LEVELS = {95, 80};
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private final Quotas quotas;
    private final MailboxStore mailboxes;
    private final BlobStore blobs;
    private final MailboxEvents events;
    private final String hostname;
    private final Clock clock;

    public QuotaWarnings(Quotas quotas, MailboxStore mailboxes, BlobStore blobs, MailboxEvents events, String hostname,
            Clock clock) {
        this.quotas = quotas;
        this.mailboxes = mailboxes;
        this.blobs = blobs;
        this.events = events;
        this.hostname = hostname;
        this.clock = clock;
    }

    /** The highest level that {@code size} octets more took the use across, if any. */
    static OptionalInt crossed(long limit, long usedAfter, long size) {
        long before = usedAfter - Math.max(0, size);
        for (int level : LEVELS) {
            // before < level % of limit <= after, in integers
            if (before * 100 < level * limit && level * limit <= usedAfter * 100) {
                return OptionalInt.of(level);
            }
        }
        return OptionalInt.empty();
    }

    /** After {@code size} octets were delivered to {@code user} by spool entry {@code key}. */
    public CompletionStage<Void> delivered(MailAddress user, long size, String key) {
        return quotas.of(user).thenCompose(roots -> {
            // The user's own quota warns the user; a domain's is the administrator's to watch.
            Quotas.Usage own = roots.stream().filter(u -> u.domain() == null).findFirst().orElse(null);
            if (own == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            OptionalInt storage = crossed(own.limits().storageBytes(), own.used().bytes(), size);
            OptionalInt count = crossed(own.limits().messages(), own.used().messages(), 1);
            int level = Math.max(storage.orElse(0), count.orElse(0));
            return level == 0 ? CompletableFuture.<Void>completedFuture(null) : warn(user, level, own, key);
        }).exceptionally(failure -> {
            LOG.warn("Could not warn {} about its quota: {}", user, failure.toString());
            return null;
        });
    }

    private CompletionStage<Void> warn(MailAddress user, int level, Quotas.Usage usage, String key) {
        byte[] message = message(user, level, usage).getBytes(StandardCharsets.UTF_8);
        return blobs.put(new ByteArrayInputStream(message)).thenCompose(blob -> mailboxes.find(user, MailboxPath.INBOX)
                .thenCompose(inbox -> inbox.isEmpty() ? CompletableFuture.completedFuture(null)
                        : mailboxes.append(inbox.get().id(), new NewMessage(blob, clock.instant(), Flags.NONE,
                                "quota-warning/" + level + "/" + key + "/" + user.canonical()))
                                .thenAccept(result -> {
                                    if (!result.duplicate()) {
                                        LOG.info("{} warned: its mailbox is {} % full", user, level);
                                        events.publish(new MailboxEvent(user, result.mailbox(),
                                                MailboxEvent.Kind.APPENDED, result.uid(), result.modSeq()));
                                    }
                                })));
    }

    private String message(MailAddress user, int level, Quotas.Usage usage) {
        String postmaster = "postmaster@" + user.domain().ascii();
        return "From: Mail System <" + postmaster + ">\r\n"
                + "To: <" + user.canonical() + ">\r\n"
                + "Date: " + DATE.format(clock.instant().atZone(ZoneOffset.UTC)) + "\r\n"
                + "Subject: Your mailbox is " + level + " % full\r\n"
                + "Message-ID: <quota-" + level + "." + clock.millis() + "." + Integer.toHexString(user.hashCode())
                + "@" + hostname + ">\r\n"
                + "Auto-Submitted: auto-generated\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Your mailbox " + user.canonical() + " is " + level + " % full:\r\n"
                + (usage.limits().storageBytes() > 0 ? "  it uses " + megabytes(usage.used().bytes()) + " of its "
                        + megabytes(usage.limits().storageBytes()) + " (" + percent(usage.used().bytes(),
                                usage.limits().storageBytes()) + " %)\r\n" : "")
                + (usage.limits().messages() > 0 ? "  it holds " + usage.used().messages() + " of its "
                        + usage.limits().messages() + " messages (" + percent(usage.used().messages(),
                                usage.limits().messages()) + " %)\r\n" : "")
                + "\r\n"
                + "When it is full, new mail waits and is then returned to its senders. Delete messages you no\r\n"
                + "longer need (and empty the Trash), or ask your administrator for more room.\r\n";
    }

    private static long percent(long used, long limit) {
        return used * 100 / Math.max(1, limit);
    }

    private static String megabytes(long octets) {
        return String.format(Locale.ROOT, "%.1f MB", octets / 1_000_000.0);
    }
}
