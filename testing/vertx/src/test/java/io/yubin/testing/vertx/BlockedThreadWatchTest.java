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
}
