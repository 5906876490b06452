package io.yubin.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailboxPath;
import io.yubin.store.BlobId;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/architecture.md §4.1: kill -9 at any moment loses nothing that was acknowledged. A separate JVM
 * ({@link CrashWriter}) writes and acknowledges; it is SIGKILLed at a random moment, several times
 * on the same data directory, and then every acknowledged spool entry, message and body must be
 * there exactly once and intact.
 */
class EmbeddedCrashDurabilityTest {

    private static final int ROUNDS = 4;

    private record Ack(SpoolId spoolId, long uid, BlobId blob, String sha256) {
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyAcknowledgedMessageSurvivesRepeatedKillNine(@TempDir Path data, @TempDir Path logs) throws Exception {
        SplittableRandom random = new SplittableRandom();
        List<Ack> acks = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<Ack> roundAcks = runAndKill(data, logs.resolve("writer-" + round + ".log"), 300 + random.nextInt(1201));
            assertThat(roundAcks).as("acknowledgements in round %d", round).isNotEmpty();
            acks.addAll(roundAcks);
        }

        assertThat(EmbeddedStorage.integrityCheck(data)).containsExactly("ok");
        try (Storage storage = EmbeddedStorage.open(data)) {
            Mailbox inbox = storage.mailboxes().find(CrashWriter.USER, MailboxPath.INBOX).toCompletableFuture().join()
                    .orElseThrow();
            List<MessageRecord> messages = storage.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture()
                    .join();
            Map<BlobId, List<MessageRecord>> byBlob = messages.stream()
                    .collect(Collectors.groupingBy(m -> m.blob().id()));
            assertThat(acks.stream().map(Ack::spoolId)).doesNotHaveDuplicates();
            for (Ack ack : acks) {
                SpoolEntry entry = storage.spool().find(ack.spoolId()).toCompletableFuture().join().orElseThrow(
                        () -> new AssertionError("acknowledged spool entry " + ack.spoolId() + " is lost"));
                assertThat(entry.blob().id()).isEqualTo(ack.blob());
                assertThat(entry.blob().sha256()).isEqualTo(ack.sha256());
                assertThat(byBlob.get(ack.blob())).as("messages with the body of %s", ack.spoolId()).singleElement()
                        .satisfies(m -> {
                            assertThat(m.uid()).isEqualTo(ack.uid());
                            assertThat(m.blob().sha256()).isEqualTo(ack.sha256());
                        });
                try (InputStream body = storage.blobs().get(ack.blob()).toCompletableFuture().join()) {
                    assertThat(sha256(body)).as("body of %s", ack.spoolId()).isEqualTo(ack.sha256());
                }
            }
            assertThat(messages).extracting(MessageRecord::uid).isSorted().doesNotHaveDuplicates();
        }
    }

    /** Starts the writer, lets it run for {@code killAfterMillis} past its first ACK, then SIGKILLs it. */
    private static List<Ack> runAndKill(Path data, Path log, long killAfterMillis) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), data.toString())
                .redirectError(log.toFile())
                .start();
        List<Ack> acks = new CopyOnWriteArrayList<>();
        CountDownLatch firstAck = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ");
                    // A line cut by the kill has a short hash and is not an acknowledgement.
                    if (f.length == 5 && f[0].equals("ACK") && f[4].length() == 64) {
                        acks.add(new Ack(new SpoolId(f[1]), Long.parseLong(f[2]), new BlobId(f[3]), f[4]));
                        firstAck.countDown();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "crash-writer-stdout");
        reader.start();
        try {
            assertThat(firstAck.await(30, TimeUnit.SECONDS)).as("first ACK from the writer (log: %s)", log).isTrue();
            assertThat(process.waitFor(killAfterMillis, TimeUnit.MILLISECONDS)).as("writer died early, see %s", log)
                    .isFalse();
        } finally {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        return new ArrayList<>(acks);
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
