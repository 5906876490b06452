package io.yubin.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import io.yubin.store.embedded.FileBlobStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quarantine decision read from the stored message, over the real file blob store. */
class DmarcQuarantineTest {

    @TempDir
    Path dir;
    FileBlobStore blobs;
    ExecutorService blocking;
    DmarcQuarantine quarantine;

    @BeforeEach
    void open() {
        blobs = FileBlobStore.open(dir, 1);
        blocking = Executors.newSingleThreadExecutor();
        quarantine = new DmarcQuarantine(blobs, "mx.example.net", blocking);
    }

    @AfterEach
    void close() throws Exception {
        blocking.shutdownNow();
        blobs.close();
    }

    private boolean quarantined(String message) throws Exception {
        StoredBlob blob = blobs.put(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        SpoolEntry entry = SpoolEntry.queued(SpoolId.next(), Envelope.of(MailAddress.parse("a@example.org"),
                List.of(MailAddress.parse("b@example.net"))), blob, Instant.now(),
                new SpoolEntry.ClientInfo("client.test", "192.0.2.1", null));
        return quarantine.reason(entry, MailAddress.parse("b@example.net")).toCompletableFuture()
                .get(10, TimeUnit.SECONDS).map(reason -> {
                    assertThat(reason).isEqualTo(DmarcQuarantine.REASON);
                    return true;
                }).orElse(false);
    }

    @Test
    void ourFirstFieldSayingQuarantineQuarantines() throws Exception {
        assertThat(quarantined("Return-Path: <a@example.org>\r\n"
                + "Authentication-Results: mx.example.net;\r\n\tspf=fail smtp.mailfrom=a@example.org;\r\n"
                + "\tdkim=none;\r\n\tdmarc=fail (p=quarantine) header.from=example.org policy.dmarc=quarantine\r\n"
                + "Subject: x\r\n\r\nbody\r\n")).isTrue();
    }

    @Test
    void otherAuthservIdsLaterFieldsAndTheBodyDoNot() throws Exception {
        assertThat(quarantined("Authentication-Results: other.example; dmarc=fail policy.dmarc=quarantine\r\n"
                + "Subject: x\r\n\r\nbody\r\n")).isFalse();
        assertThat(quarantined("Authentication-Results: mx.example.net; dmarc=pass policy.dmarc=none\r\n"
                + "Authentication-Results: mx.example.net; dmarc=fail policy.dmarc=quarantine\r\n"
                + "Subject: x\r\n\r\nbody\r\n")).isFalse();
        assertThat(quarantined("Subject: x\r\n\r\n"
                + "Authentication-Results: mx.example.net; dmarc=fail policy.dmarc=quarantine\r\n")).isFalse();
        assertThat(quarantined("Authentication-Results: mx.example.net; dmarc=fail policy.dmarc=reject\r\n"
                + "\r\n")).isFalse();
    }
}
