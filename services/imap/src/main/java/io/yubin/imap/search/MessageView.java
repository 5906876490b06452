package io.yubin.imap.search;

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
