package io.yubin.store;

/**
 * One opened storage configuration: the metadata backend's parts plus a blob backend. Closing it
 * closes both. This is what the server wires and what the contract suite is run against.
 */
public record Storage(Directory directory, MailboxStore mailboxes, Spool spool, BlobReferences blobReferences,
        BlobStore blobs, SpamModels spamModels, AccountLocks accountLocks, Administrators administrators,
        AutoCloseable closer) implements AutoCloseable {

    @Override
    public void close() throws Exception {
        closer.close();
    }
}
