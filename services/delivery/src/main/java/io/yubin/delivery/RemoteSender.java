package io.yubin.delivery;

import io.yubin.delivery.remote.OutboundMessage;
import io.yubin.delivery.remote.RecipientResult;
import io.yubin.delivery.remote.RemoteDelivery;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobStore;
import io.yubin.store.SpoolEntry;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** One attempt to send a spool entry's message to remote recipients: {@link RemoteDelivery} in production. */
@FunctionalInterface
public interface RemoteSender {

    /** One result per recipient, in the order given; never fails. */
    CompletionStage<List<RecipientResult>> send(SpoolEntry entry, List<MailAddress> recipients);

    /** Sends through {@code remote}, the body read from {@code blobs}. */
    static RemoteSender of(RemoteDelivery remote, BlobStore blobs) {
        return (entry, recipients) -> remote.deliver(OutboundMessage.of(entry, blobs), recipients);
    }
}
