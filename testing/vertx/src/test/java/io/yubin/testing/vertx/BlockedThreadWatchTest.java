package io.yubin.testing.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watch the other tests rely on must actually see a blocked event loop. */
class BlockedThreadWatchTest {

    @Test
    void reportsAnEventLoopBlockedLongerThanTheLimit() throws Exception {
        BlockedThreadWatch watch = new BlockedThreadWatch();
        Vertx vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        watch.start();
        List<String> warnings;
        try {
            CountDownLatch done = new CountDownLatch(1);
            vertx.runOnContext(v -> {
                sleepOnPurpose(1500);
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            warnings = watch.stop();
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("has been blocked"));
    }

    private static void sleepOnPurpose(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aShortWarningFailsOnlyWhenTheLoopWasWaiting() {
        String classLoading = "Thread vert.x-eventloop-thread-1 has been blocked for 512 ms, time limit is 500 ms"
                + "\n\tat java.base/java.lang.ClassLoader.defineClass0(Native Method)"
                + "\n\tat app//io.netty.buffer.FreeBufferEvent.<clinit>(FreeBufferEvent.java)";
        String parked = "Thread vert.x-eventloop-thread-0 has been blocked for 600 ms, time limit is 500 ms"
                + "\n\tat java.base/jdk.internal.misc.Unsafe.park(Native Method)"
                + "\n\tat java.base/java.util.concurrent.CompletableFuture.join(CompletableFuture.java:2117)";
        String sqlite = "Thread vert.x-eventloop-thread-0 has been blocked for 501 ms, time limit is 500 ms"
                + "\n\tat org.sqlite.core.NativeDB.step(Native Method)";
        String longComputation = "Thread vert.x-eventloop-thread-0 has been blocked for 2400 ms, time limit is 500 ms"
                + "\n\tat app//io.yubin.imap.MessageSearch.matches(MessageSearch.java:10)";
        String jarRead = "Thread vert.x-eventloop-thread-1 has been blocked for 642 ms, time limit is 500 ms"
                + "\n\tat java.base/java.util.zip.ZipFile$ZipFileInputStream.read(ZipFile.java:956)"
                + "\n\tat java.base/jdk.internal.loader.Resource.getBytes(Resource.java:126)";
        assertThat(BlockedThreadWatch.blocking(classLoading)).isFalse();
        assertThat(BlockedThreadWatch.blocking(jarRead)).isFalse();
        assertThat(BlockedThreadWatch.blocking(parked)).isTrue();
        assertThat(BlockedThreadWatch.blocking(sqlite)).isTrue();
        assertThat(BlockedThreadWatch.blocking(longComputation)).isTrue();
    }
}
