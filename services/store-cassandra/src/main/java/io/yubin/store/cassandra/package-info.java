/**
 * The Cassandra metadata backend: {@link io.yubin.store.Directory}, {@link io.yubin.store.MailboxStore},
 * {@link io.yubin.store.Spool} and {@link io.yubin.store.BlobReferences} over CQL tables designed per
 * query (docs/storage.md), with versioned migrations and the async driver API end to end.
 */
package io.yubin.store.cassandra;
