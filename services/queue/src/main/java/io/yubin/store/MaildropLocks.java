package io.yubin.store;

import io.yubin.model.MailAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Exclusive access to a user's maildrop for one POP3 session at a time, cluster-wide (RFC 1939 §8:
 * the server must lock the maildrop; a second session gets {@code -ERR [IN-USE]}, RFC 2449 §8.1.1).
 *
 * <p>A lock must not outlive a holder that died: implementations lease it for a bounded time and
 * renew the lease while the holder lives. Closing the returned handle releases it; closing twice is
 * harmless.
 */
public interface MaildropLocks {

    /** The lock, or empty when another session holds it. Never waits for the other session. */
    CompletionStage<Optional<AutoCloseable>> tryLock(MailAddress user);
}
