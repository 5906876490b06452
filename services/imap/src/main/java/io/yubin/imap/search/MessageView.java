package io.yubin.imap.search;

import io.yubin.imap.mime.AddressFieldParser;
import io.yubin.imap.mime.EnvelopeAddress;
import io.yubin.model.Flags;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;

/**
 * What SEARCH, SORT and THREAD may ask of one message in the selected mailbox. Methods that need the
 * body may block on I/O: evaluation runs on a worker thread, never on an event loop.
 */
public interface MessageView {

    /** Message sequence number in the session's view. */
    long msn();

    long uid();

    Flags flags();

    /** \Recent in this session (IMAP4rev1). */
    boolean recent();

    long modSeq();

    Instant internalDate();

    /** RFC822.SIZE. */
    long size();

    /**
     * The values of every top-level header field of this name (case-insensitive), unfolded and with
     * RFC 2047 encoded words decoded; empty when there is no such field.
     */
    List<String> header(String name);

    /**
     * The first mailbox of the first top-level From, To or Cc field as ENVELOPE reads the field
     * ({@link EnvelopeAddress#first}): what SORT compares (RFC 5256 §3, RFC 5957). A view holding
     * the message's stored structure answers from it ({@code MessageStructure.firstMailbox}), which
     * read the field as written.
     *
     * <p>This default can only read {@link #header}, whose encoded words are already decoded: a
     * display name {@code =?UTF-8?Q?Doe=2C_John?=} has become {@code Doe, John}, and splits off a
     * mailbox "Doe" without domain. So it passes over mailboxes without domain when a later one has
     * one, where the field as written would give the first.
     */
    default Optional<EnvelopeAddress.Mailbox> firstMailbox(String field) {
        List<String> values = header(field);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        Optional<EnvelopeAddress.Mailbox> first = Optional.empty();
        for (EnvelopeAddress a : AddressFieldParser.parse(values.get(0))) {
            if (a instanceof EnvelopeAddress.GroupStart && first.isEmpty()) {
                return EnvelopeAddress.first(List.of(a));
            }
            if (a instanceof EnvelopeAddress.Mailbox m) {
                if (m.domain() != null) {
                    return Optional.of(m);
                }
                if (first.isEmpty()) {
                    first = Optional.of(m);
                }
            }
        }
        return first;
    }

    /** The Date header parsed (RFC 5322 §3.3, obsolete forms accepted); empty when absent or invalid. */
    Optional<ZonedDateTime> sentDate();

    /**
     * The decoded text of the body: text parts after transfer decoding and charset conversion to
     * Unicode (other parts skipped), as used by BODY and TEXT.
     */
    String bodyText();

    /** The whole header block as decoded text (every field, as used by TEXT). */
    String headerText();
}
