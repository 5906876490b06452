package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Str;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.imap.mime.BinaryParts;
import io.yubin.model.Flags;
import io.yubin.model.MailboxPath;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/** APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315), LITERAL+ (RFC 7888) and literal8 (RFC 3516). */
final class AppendCommand {

    /** RFC 9051 §9 date-time: day with a leading space or digit, month names in any case. */
    private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("d-MMM-yyyy HH:mm:ss Z").toFormatter(Locale.ENGLISH);

    private AppendCommand() {
    }

    static Future<Void> append(ImapSession session, Request r) {
        List<Token> a = r.args();
        if (a.size() < 2 || a.size() > 4) {
            throw new ImapParseException("APPEND takes a mailbox, optional flags and date, and a message");
        }
        Flags flags = Flags.NONE;
        Instant date = Instant.now();
        int i = 1;
        if (a.get(i) instanceof ListToken) {
            flags = ImapSession.parseFlags(a.get(i));
            i++;
        }
        if (i < a.size() - 1) {
            try {
                date = ZonedDateTime.parse(ImapSession.astring(a.get(i)).trim(), DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw new ImapParseException("Invalid date-time");
            }
            i++;
        }
        if (i != a.size() - 1 || !(a.get(i) instanceof Str || a.get(i) instanceof ImapParser.Spooled)) {
            throw new ImapParseException("APPEND needs the message as a literal");
        }
        MailboxPath p;
        try {
            p = session.existingPath(a.get(0));
        } catch (No invalid) {
            throw new No("[TRYCREATE] No such mailbox");
        }
        // A large message was written to a temporary file as it arrived (the connection deletes it
        // after this command); a small one is at hand.
        Token message = a.get(i);
        // Parts holding NUL octets (a literal8 of binary content, RFC 3516 §4.3) are stored as base64,
        // so BODY[] never needs a NUL in a literal and BINARY[] gives the octets back. A large message is
        // stored as it came (its file is not read here); FETCH sends its NULs in BODY[] as 0x80.
        byte[] small = message instanceof Str body ? BinaryParts.toBase64(body.octets()) : null;
        Supplier<Future<InputStream>> content = small != null
                ? () -> Future.succeededFuture(new ByteArrayInputStream(small))
                : () -> ((ImapParser.Spooled) message).literal().finish()
                        .map(v -> ((ImapParser.Spooled) message).literal().inputStream());
        Flags initial = flags;
        Instant internalDate = date;
        long size = small != null ? small.length : ((ImapParser.Spooled) message).literal().size();
        return session.f(session.mailboxes.find(session.user, p)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[TRYCREATE] No such mailbox");
            }
            return session.f(session.accounts.quotas().fits(session.user, size)).map(fits -> {
                if (!fits) {
                    // RFC 9208 §4.3: the response code of an APPEND that would go over the quota
                    throw new No("[OVERQUOTA] Mailbox full: the message would go over your quota");
                }
                return found.get();
            });
        }).compose(m -> {
            return content.get().compose(in -> session.f(session.storage.blobs().put(in)))
                    .compose(blob -> session.f(session.mailboxes.append(m.id(),
                            new NewMessage(blob, internalDate, initial, null))).recover(failure -> {
                                if (!StoreException.isRefusal(failure)) {
                                    // Maybe appended after all (a timeout): the blob may be referenced, keep it.
                                    return Future.failedFuture(failure);
                                }
                                // Never referenced: nothing may keep it (docs/architecture.md §4.4).
                                return session.f(session.storage.blobs().delete(blob.id()))
                                        .transform(d -> Future.failedFuture(failure));
                            }))
                    .compose(result -> {
                        session.publish(m, MailboxEvent.Kind.APPENDED, result.uid(), result.modSeq());
                        if (session.selected != null && session.selected.mailbox.id().equals(m.id())) {
                            session.changed = true;
                        }
                        return session.ok(r, "[APPENDUID " + result.uidValidity() + " " + result.uid()
                                + "] APPEND completed");
                    });
        });
    }
}
