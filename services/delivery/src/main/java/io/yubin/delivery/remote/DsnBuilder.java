package io.yubin.delivery.remote;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Delivery status notifications (RFC 3464): a {@code multipart/report; report-type=delivery-status}
 * with a human-readable part, the {@code message/delivery-status} part (one per-message block and one
 * block per recipient), and the original message: its headers ({@code text/rfc822-headers}) or the
 * whole of it ({@code message/rfc822}) as RET asks (RFC 3461 §4.3; without RET, the headers).
 *
 * <p>No notification is made for a message with the null reverse-path (RFC 5321 §4.5.5, RFC 3461
 * §6.2), and a notification is sent with the null reverse-path, so a notification about a
 * notification cannot happen: bounce loops are impossible by construction. NOTIFY (RFC 3461 §4.1)
 * decides which recipients are reported: NEVER none, otherwise failures when FAILURE is asked and
 * delays when DELAY is asked; without NOTIFY, both.
 *
 * <p>{@link #plan} decides; {@link #write} reads the original (blocking) and writes the message: call
 * it on a worker thread.
 */
public final class DsnBuilder {

    // RFC 5322 §3.3 date-time, English names, numeric zone.
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** RFC 5322 §2.1.1: lines of at most 78 characters where possible. */
    private static final int FOLD_AT = 78;
    private static final int MAX_WORD = 900;

    private final String reportingMta;
    private final Clock clock;

    /** @param reportingMta this server's host name, for Reporting-MTA and the From address */
    public DsnBuilder(String reportingMta, Clock clock) {
        this.reportingMta = Objects.requireNonNull(reportingMta, "reportingMta");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * What a notification would carry.
     *
     * @param envelope how it is sent: the null reverse-path, to the original sender
     * @param original the original envelope
     * @param arrivalDate when the original was accepted
     * @param recipients the recipients it reports on, never empty
     */
    public record Dsn(Envelope envelope, Envelope original, Instant arrivalDate, List<DsnRecipient> recipients) {
        public Dsn {
            recipients = List.copyOf(recipients);
        }

        /**
         * Whether the original is returned whole (RET=FULL, failures only) rather than its headers; never
         * for a REQUIRETLS original (RFC 8689 §5: its content is not sent where TLS might be missing).
         */
        public boolean returnsFullMessage() {
            return original.dsnReturn() == Envelope.DsnReturn.FULL
                    && original.tls() != Envelope.TlsRequirement.REQUIRETLS
                    && recipients.stream().allMatch(r -> r.action() == DsnRecipient.Action.FAILED);
        }
    }

    /**
     * The notification due for {@code recipients} of a message with {@code original} envelope, or
     * empty when none is: a null sender, or NOTIFY leaves none of them.
     */
    public Optional<Dsn> plan(Envelope original, Instant arrivalDate, List<DsnRecipient> recipients) {
        if (original.sender() == null) {
            return Optional.empty();
        }
        List<DsnRecipient> reported = recipients.stream().filter(DsnBuilder::notify).toList();
        if (reported.isEmpty()) {
            return Optional.empty();
        }
        boolean utf8 = original.sender().isUtf8();
        // An 8-bit or UTF-8 original travels inside the notification, so the notification needs the same;
        // a notification about a REQUIRETLS message is sent with REQUIRETLS (RFC 8689 §5).
        Envelope envelope = new Envelope(null, List.of(Envelope.Recipient.of(original.sender())),
                original.body() == Envelope.BodyType.SEVEN_BIT ? Envelope.BodyType.SEVEN_BIT
                        : Envelope.BodyType.EIGHT_BIT_MIME,
                utf8 || original.smtpUtf8(), null, null,
                original.tls() == Envelope.TlsRequirement.REQUIRETLS ? Envelope.TlsRequirement.REQUIRETLS
                        : Envelope.TlsRequirement.POLICY);
        return Optional.of(new Dsn(envelope, original, arrivalDate, reported));
    }

    /** RFC 3461 §4.1: without NOTIFY, failures and delays are reported; successes only when asked for. */
    private static boolean notify(DsnRecipient r) {
        var notify = r.recipient().notifyOn();
        return switch (r.action()) {
            case FAILED -> notify.isEmpty() || notify.contains(Envelope.DsnNotify.FAILURE);
            case DELAYED -> notify.isEmpty() || notify.contains(Envelope.DsnNotify.DELAY);
            case DELIVERED, RELAYED -> notify.contains(Envelope.DsnNotify.SUCCESS);
        };
    }

    /** Writes the notification, reading the original message from {@code original} (not closed). */
    public void write(Dsn dsn, InputStream original, OutputStream out) throws IOException {
        String boundary = "=_" + UUID.randomUUID().toString().replace("-", "");
        boolean failed = dsn.recipients().stream().anyMatch(r -> r.action() == DsnRecipient.Action.FAILED);
        boolean delayed = dsn.recipients().stream().anyMatch(r -> r.action() == DsnRecipient.Action.DELAYED);
        boolean global = dsn.envelope().smtpUtf8();
        Instant now = clock.instant();
        StringBuilder head = new StringBuilder();
        head.append("From: Mail Delivery System <MAILER-DAEMON@").append(reportingMta).append(">\r\n");
        head.append("To: <").append(dsn.original().sender()).append(">\r\n");
        head.append("Subject: ").append(failed ? "Undelivered Mail Returned to Sender"
                : delayed ? "Delayed Mail (still being retried)" : "Successful Mail Delivery Report").append("\r\n");
        head.append("Date: ").append(DATE.format(now)).append("\r\n");
        head.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(reportingMta).append(">\r\n");
        // RFC 3834 §5: a DSN is auto-replied mail.
        head.append("Auto-Submitted: auto-replied\r\n");
        head.append("MIME-Version: 1.0\r\n");
        head.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"")
                .append(boundary).append("\"\r\n\r\n");
        head.append("This is a MIME-encapsulated message.\r\n\r\n");

        head.append("--").append(boundary).append("\r\n");
        String human = humanText(dsn, failed, delayed);
        head.append("Content-Description: Notification\r\n");
        head.append("Content-Type: text/plain; charset=utf-8\r\n");
        head.append("Content-Transfer-Encoding: base64\r\n\r\n");
        head.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                .encodeToString(human.getBytes(StandardCharsets.UTF_8))).append("\r\n\r\n");

        head.append("--").append(boundary).append("\r\n");
        head.append("Content-Description: Delivery report\r\n");
        // RFC 6533 §6: reports that carry UTF-8 addresses are message/global-delivery-status.
        head.append("Content-Type: message/").append(global ? "global-" : "").append("delivery-status\r\n\r\n");
        head.append(statusFields(dsn, now));

        head.append("--").append(boundary).append("\r\n");
        boolean full = dsn.returnsFullMessage();
        head.append("Content-Description: ").append(full ? "Undelivered Message" : "Message Headers").append("\r\n");
        head.append("Content-Type: ").append(full ? (global ? "message/global" : "message/rfc822")
                : (global ? "message/global-headers" : "text/rfc822-headers")).append("\r\n");
        if (dsn.envelope().body() != Envelope.BodyType.SEVEN_BIT) {
            head.append("Content-Transfer-Encoding: 8bit\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (full) {
            original.transferTo(out);
        } else {
            copyHeaders(original, out);
        }
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private String humanText(Dsn dsn, boolean failed, boolean delayed) {
        StringBuilder text = new StringBuilder();
        text.append("This is the mail system at host ").append(reportingMta).append(".\r\n\r\n");
        text.append(failed
                ? "Your message could not be delivered to one or more recipients. It is attached below.\r\n"
                : delayed ? "Your message has not been delivered yet to one or more recipients. Delivery will be "
                        + "tried again; you need not send it again.\r\n"
                : "Your message was delivered to the recipients below, or passed on to a server that sends no "
                        + "delivery notices, as you asked to be told.\r\n");
        for (DsnRecipient r : dsn.recipients()) {
            text.append("\r\n<").append(r.recipient().address()).append(">: ").append(r.action().field())
                    .append("\r\n    ").append(r.result().describe()).append("\r\n");
        }
        return text.toString();
    }

    /** RFC 3464 §2.2 and §2.3: the per-message block, then a block per recipient. */
    private String statusFields(Dsn dsn, Instant now) {
        StringBuilder fields = new StringBuilder();
        field(fields, "Reporting-MTA", "dns; " + reportingMta);
        if (dsn.original().envId() != null) {
            field(fields, "Original-Envelope-Id", dsn.original().envId());
        }
        field(fields, "Arrival-Date", DATE.format(dsn.arrivalDate()));
        for (DsnRecipient r : dsn.recipients()) {
            fields.append("\r\n");
            if (r.recipient().originalRecipient() != null) {
                field(fields, "Original-Recipient", r.recipient().originalRecipient());
            }
            MailAddress address = r.recipient().address();
            field(fields, "Final-Recipient", (address.isUtf8() ? "utf-8; " : "rfc822; ") + address);
            field(fields, "Action", r.action().field());
            field(fields, "Status", status(r.result().reply()));
            String remoteMta = r.result().remoteMta();
            if (remoteMta != null) {
                int bracket = remoteMta.indexOf(" [");
                field(fields, "Remote-MTA", "dns; " + (bracket < 0 ? remoteMta : remoteMta.substring(0, bracket)));
            }
            // A reply the remote server gave is "smtp"; one made here (DNS, connection trouble) is ours.
            field(fields, "Diagnostic-Code", (r.result().detail() != null ? "smtp; " : "X-Yubin; ")
                    + r.result().reply());
            field(fields, "Last-Attempt-Date", DATE.format(r.lastAttempt() == null ? now : r.lastAttempt()));
            if (r.action() == DsnRecipient.Action.DELAYED && r.willRetryUntil() != null) {
                field(fields, "Will-Retry-Until", DATE.format(r.willRetryUntil()));
            }
        }
        fields.append("\r\n");
        return fields.toString();
    }

    /** The enhanced status code of a recorded reply (RFC 3463), else the class alone. */
    static String status(String reply) {
        int code = reply.length() >= 3 && reply.substring(0, 3).chars().allMatch(c -> c >= '0' && c <= '9')
                ? Integer.parseInt(reply.substring(0, 3)) : 0;
        if (code < 200 || code > 599) {
            return "4.0.0";
        }
        RemoteReply parsed = RemoteReply.of(code, reply.length() > 4 ? reply.substring(4) : "");
        if (parsed.enhanced() != null) {
            return parsed.enhanced();
        }
        return parsed.isPermanent() ? "5.0.0" : parsed.isTransient() ? "4.0.0" : "2.0.0";
    }

    /** One header field, folded at spaces so no line passes {@value #FOLD_AT} characters where it can. */
    private static void field(StringBuilder out, String name, String value) {
        String clean = value.replaceAll("[\\r\\n]+", " ");
        int lineLength = name.length() + 2;
        out.append(name).append(": ");
        List<String> words = new ArrayList<>();
        for (String word : clean.split(" ")) {
            // RFC 5322 §2.1.1: a line is at most 998 characters; a longer word is cut.
            for (int i = 0; i < word.length(); i += MAX_WORD) {
                words.add(word.substring(i, Math.min(word.length(), i + MAX_WORD)));
            }
        }
        boolean first = true;
        for (String word : words) {
            if (!first && lineLength + 1 + word.length() > FOLD_AT) {
                out.append("\r\n ");
                lineLength = 1;
            } else if (!first) {
                out.append(' ');
                lineLength++;
            }
            out.append(word);
            lineLength += word.length();
            first = false;
        }
        out.append("\r\n");
    }

    /** The header section up to (without) the empty line that ends it. */
    private static void copyHeaders(InputStream original, OutputStream out) throws IOException {
        InputStream in = original instanceof BufferedInputStream ? original : new BufferedInputStream(original);
        int previous = -1;
        boolean lineStart = true;
        int b;
        while ((b = in.read()) != -1) {
            if (lineStart && (b == '\r' || b == '\n')) {
                return;
            }
            out.write(b);
            lineStart = b == '\n';
            previous = b;
        }
        if (previous != '\n') {
            out.write(new byte[] {'\r', '\n'});
        }
    }
}
