package io.yubin.store;

/**
 * What {@link BlobStore#put} stored.
 *
 * @param id the new blob's id
 * @param size its length in octets
 * @param sha256 lower-case hex SHA-256 of the content, kept with the metadata to check reads
 */
public record StoredBlob(BlobId id, long size, String sha256) {
}
