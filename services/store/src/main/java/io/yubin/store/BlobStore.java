package io.yubin.store;

import java.io.InputStream;
import java.util.concurrent.CompletionStage;

/**
 * Storage of message bodies. A body is written once and never changed; it is deleted only when no
 * message or spool entry refers to it (see {@link BlobReferences}).
 *
 * <p>Streams are read and written on the backend's own threads; never call these methods' blocking
 * stream operations from an event loop.
 */
public interface BlobStore {

    /**
     * Stores the content read from {@code content} up to its end and closes it. Completes only when
     * the body is durable. Never holds the whole body in memory.
     */
    CompletionStage<StoredBlob> put(InputStream content);

    /** The whole body. Fails with NOT_FOUND when it does not exist. The caller closes the stream. */
    CompletionStage<InputStream> get(BlobId id);

    /**
     * {@code length} octets from {@code offset} (fewer at the end of the body, none past it). Fails
     * with NOT_FOUND when the body does not exist.
     */
    CompletionStage<InputStream> get(BlobId id, long offset, long length);

    CompletionStage<Boolean> exists(BlobId id);

    /** Deletes the body; deleting a missing body succeeds. */
    CompletionStage<Void> delete(BlobId id);
}
