package io.yubin.testing.backends;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the server processes tests start. */
public final class Processes {

    private Processes() {
    }

    /**
     * SIGTERM, then SIGKILL when the process is still there after {@code grace}; returns once it is
     * gone. Interrupted, it kills at once and keeps the interrupt.
     */
    public static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
