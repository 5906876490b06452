package io.yubin.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs a user-supplied shell command that prints how many messages are in the mailboxes, e.g.
 * {@code find /tmp/benchmail -path '*}{@code /new/*' -type f | wc -l}. Each run is bounded.
 */
final class DeliveryPoller {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final String command;

    DeliveryPoller(String command) {
        this.command = command;
    }

    /** Runs the command once and parses its output as a count. */
    long count() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] output;
        try (InputStream stdout = process.getInputStream()) {
            output = stdout.readNBytes(4096);
        }
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("delivered-cmd did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
        }
        if (process.exitValue() != 0) {
            throw new IOException("delivered-cmd exited with " + process.exitValue());
        }
        return parseCount(new String(output, StandardCharsets.US_ASCII));
    }

    static long parseCount(String output) throws IOException {
        String trimmed = output.strip();
        try {
            return Long.parseLong(trimmed);
        } catch (NumberFormatException e) {
            throw new IOException("delivered-cmd must print one number, printed: \"" + trimmed + "\"", e);
        }
    }
}
