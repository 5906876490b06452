package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The one mapping from a failure to a reply: temporary always, and 452 4.3.1 when storage is full. */
class SmtpRepliesTest {

    @Test
    void aFullStoreOrDiskIsInsufficientSystemStorage() {
        // RFC 5321 §4.2.2 452, RFC 3463 X.3.1 mail system full: the client keeps the message and retries.
        assertThat(SmtpReplies.forFailure("t", new CompletionException(StoreException.full("database is full", null)))
                .render()).startsWith("452 4.3.1 ");
        // A body spooled to a temporary file on a full disk, before the store is reached.
        assertThat(SmtpReplies.forFailure("t", new UncheckedIOException(new IOException("No space left on device")))
                .render()).startsWith("452 4.3.1 ");
        assertThat(SmtpReplies.forFailure("t", new IOException("write failed", new IOException("Disk quota exceeded")))
                .render()).startsWith("452 4.3.1 ");
    }

    @Test
    void anyOtherFailureIsATemporaryFailure() {
        assertThat(SmtpReplies.forFailure("t", StoreException.unavailable("timed out", null)).render())
                .startsWith("451 4.3.0 ");
        assertThat(SmtpReplies.forFailure("t", new IOException("Connection reset")).render()).startsWith("451 4.3.0 ");
        assertThat(SmtpReplies.forFailure("t", new IllegalStateException("bug")).render()).startsWith("451 4.3.0 ");
    }
}
