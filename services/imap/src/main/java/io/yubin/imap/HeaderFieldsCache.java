package io.yubin.imap;

import io.yubin.imap.mime.MimePart;
import io.yubin.store.BlobId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoded top-level header fields of recently searched messages, by blob, shared by every
 * session of a server: bodies are immutable, so an entry never goes stale. SEARCH, SORT and THREAD
 * on header keys then read no stored structure for messages searched before. Bounded by an estimate
 * of the octets held; the least recently used go first.
 */
final class HeaderFieldsCache {

    /** Per entry and per field: object headers, references and the strings' own overhead. */
    private static final int ENTRY_OVERHEAD = 96;
    private static final int FIELD_OVERHEAD = 64;

    private final long maxBytes;
    private long bytes;
    private final Map<BlobId, List<MimePart.Field>> entries = new LinkedHashMap<>(1024, 0.75f, true);

    HeaderFieldsCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized List<MimePart.Field> get(BlobId blob) {
        return entries.get(blob);
    }

    synchronized void put(BlobId blob, List<MimePart.Field> fields) {
        long size = size(fields);
        if (size > maxBytes / 16) {
            return;
        }
        List<MimePart.Field> old = entries.put(blob, List.copyOf(fields));
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

    private static long size(List<MimePart.Field> fields) {
        long n = ENTRY_OVERHEAD;
        for (MimePart.Field f : fields) {
            n += FIELD_OVERHEAD + 2L * (f.name().length() + f.value().length());
        }
        return n;
    }
}
