package io.yubin.imap;

import io.yubin.imap.mime.EnvelopeAddress;
import io.yubin.imap.mime.MimePart;
import io.yubin.store.BlobId;
import java.util.Collections;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoded top-level header fields of recently searched messages, and the first mailboxes of
 * From, To and Cc that SORT compares, by blob, shared by every
 * session of a server: bodies are immutable, so an entry never goes stale. SEARCH, SORT and THREAD
 * on header keys then read no stored structure for messages searched before. Bounded by an estimate
 * of the octets held; the least recently used go first.
 */
final class HeaderFieldsCache {

    /**
     * What a search keeps of a message.
     *
     * @param fields the decoded top-level header fields
     * @param firstMailboxes as {@code MessageStructure.firstMailboxes()}: From, To, Cc (null entries)
     */
    record Headers(List<MimePart.Field> fields, List<EnvelopeAddress.Mailbox> firstMailboxes) {
        Headers {
            fields = List.copyOf(fields);
            firstMailboxes = Collections.unmodifiableList(new ArrayList<>(firstMailboxes));
        }
    }

    /** Per entry and per field: object headers, references and the strings' own overhead. */
    private static final int ENTRY_OVERHEAD = 96;
    private static final int FIELD_OVERHEAD = 64;

    private final long maxBytes;
    private long bytes;
    private final Map<BlobId, Headers> entries = new LinkedHashMap<>(1024, 0.75f, true);

    HeaderFieldsCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized Headers get(BlobId blob) {
        return entries.get(blob);
    }

    synchronized void put(BlobId blob, Headers headers) {
        long size = size(headers);
        if (size > maxBytes / 16) {
            return;
        }
        Headers old = entries.put(blob, headers);
        bytes += size - (old == null ? 0 : size(old));
        var eldest = entries.entrySet().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            bytes -= size(eldest.next().getValue());
            eldest.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    private static long size(Headers headers) {
        long n = ENTRY_OVERHEAD;
        for (EnvelopeAddress.Mailbox m : headers.firstMailboxes()) {
            n += m == null ? 8 : FIELD_OVERHEAD + 2L * (length(m.name()) + length(m.route()) + length(m.localPart())
                    + length(m.domain()));
        }
        for (MimePart.Field f : headers.fields()) {
            n += FIELD_OVERHEAD + 2L * (f.name().length() + f.value().length());
        }
        return n;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
