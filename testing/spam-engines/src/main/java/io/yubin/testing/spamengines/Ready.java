package io.yubin.testing.spamengines;

import static org.junit.jupiter.api.Assertions.fail;

import io.yubin.testing.backends.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Starting and stopping the daemons of this module: each answers a ping before a test uses it. */
final class Ready {

    private Ready() {
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Sends {@code ping} on a new connection until the answer starts with {@code pong}, for at most
     * {@code seconds}; fails with the log when the process exits or the time is up.
     */
    static void await(String name, Process process, InetSocketAddress address, String ping, String pong, int seconds,
            Supplier<String> log) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail(name + " exited " + process.exitValue() + ":\n" + log.get());
            }
            if (answers(address, ping, pong)) {
                return;
            }
            Thread.sleep(100);
        }
        fail(name + " did not answer within " + seconds + " s:\n" + log.get());
    }

    private static boolean answers(InetSocketAddress address, String ping, String pong) {
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(ping.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readNBytes(pong.length());
            return new String(answer, StandardCharsets.US_ASCII).equals(pong);
        } catch (IOException notYet) {
            return false;
        }
    }

    static String logs(Path dir, String... names) {
        StringBuilder out = new StringBuilder();
        for (String name : names) {
            Path log = dir.resolve(name);
            try {
                if (Files.exists(log)) {
                    out.append("== ").append(name).append('\n').append(Files.readString(log, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException e) {
                out.append("(").append(name).append(": ").append(e.getMessage()).append(")\n");
            }
        }
        return out.toString();
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    static void stop(Process process) {
        Processes.stop(process, Duration.ofSeconds(10));
    }
}
