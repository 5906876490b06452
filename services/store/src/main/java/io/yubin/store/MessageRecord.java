package io.yubin.store;

import io.yubin.model.Flags;
import java.time.Instant;

/**
 * The metadata of one message in one mailbox.
 *
 * @param uid its UID
 * @param modSeq the MODSEQ of its last change
 * @param flags its flags
 * @param internalDate INTERNALDATE
 * @param blob the body: id, size (RFC822.SIZE) and checksum
 */
public record MessageRecord(long uid, long modSeq, Flags flags, Instant internalDate, StoredBlob blob) {

    public long size() {
        return blob.size();
    }
}
