package io.yubin.testing.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.VertxOptions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test when Vert.x reported a blocked event loop during it (docs/architecture.md §4.5). Vert.x
 * logs those warnings under {@link #LOGGER_NAME}; {@link #vertxOptions()} makes the checker strict.
 *
 * <p>Vert.x measures wall-clock time, so on a loaded two-core machine an event loop that merely
 * waited for a CPU, or defined a class, is reported too. A warning fails the test when the stack
 * Vert.x captured shows the loop waiting ({@link #WAITING_FRAMES}: parking, sleeping, file or
 * database I/O), or when the loop was held longer than {@link #ALWAYS_FAIL_MILLIS} whatever it
 * did; shorter warnings without a waiting frame, or while loading a class (a jar read once per
 * class), are tolerated.
 */
public final class BlockedThreadWatch implements BeforeEachCallback, AfterEachCallback {

    /** Vert.x 5's {@code BlockedThreadChecker.LOGGER_NAME}. */
    public static final String LOGGER_NAME = "io.vertx.core.impl.BlockedThreadChecker";

    /** Held this long, a loop fails the test even when its stack shows only computation. */
    static final long ALWAYS_FAIL_MILLIS = 2_000;

    /**
     * Frames (class or method name fragments) that mean the loop was waiting, not computing. Not
     * {@code FileDispatcherImpl}: on Linux a socket write goes through it too (SocketDispatcher),
     * and a slow non-blocking socket write on a loaded machine is not blocking I/O.
     */
    static final List<String> WAITING_FRAMES = List.of("LockSupport.park", "Unsafe.park", "Object.wait",
            "Thread.sleep", "CompletableFuture.join", "CompletableFuture.get", "FutureTask.get",
            "FileChannelImpl", "java.io.FileInputStream", "java.io.FileOutputStream",
            "java.io.RandomAccessFile",
            "UnixNativeDispatcher", "org.sqlite.", "java.sql.", "Net.poll", "Net.connect",
            "SocketInputStream", "NioSocketImpl");

    /** Frames of loading a class: once per class, reading the jar; computation for this purpose. */
    static final List<String> CLASS_LOADING_FRAMES = List.of("jdk.internal.loader.", "ClassLoader.loadClass",
            "ClassLoader.defineClass");

    private static final Pattern BLOCKED_FOR = Pattern.compile("blocked for (\\d+) ms");

    private final Capture capture = new Capture();

    /** Checks every 20 ms and reports, with its stack, any event-loop task longer than 500 ms. */
    public static VertxOptions vertxOptions() {
        return new VertxOptions()
                .setBlockedThreadCheckInterval(20)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
                .setMaxEventLoopExecuteTime(500)
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                .setWarningExceptionTime(500)
                .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertThat(stop()).as("Vert.x blocked-thread warnings").isEmpty();
    }

    public void start() {
        capture.messages.clear();
        capture.start();
        logger().addAppender(capture);
    }

    /** Stops watching; returns the warnings logged since {@link #start()} that show real blocking. */
    public List<String> stop() {
        logger().detachAppender(capture);
        capture.stop();
        return capture.messages.stream().filter(BlockedThreadWatch::blocking).toList();
    }

    /** Whether a captured warning shows the loop waiting, or held too long to excuse. */
    static boolean blocking(String warning) {
        Matcher blockedFor = BLOCKED_FOR.matcher(warning);
        if (blockedFor.find() && Long.parseLong(blockedFor.group(1)) >= ALWAYS_FAIL_MILLIS) {
            return true;
        }
        if (CLASS_LOADING_FRAMES.stream().anyMatch(warning::contains)) {
            return false;
        }
        return WAITING_FRAMES.stream().anyMatch(warning::contains);
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger(LOGGER_NAME);
    }

    private static final class Capture extends AppenderBase<ILoggingEvent> {

        private final List<String> messages = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            StringBuilder message = new StringBuilder(event.getFormattedMessage());
            IThrowableProxy blockedAt = event.getThrowableProxy();
            if (blockedAt != null) {
                Arrays.stream(blockedAt.getStackTraceElementProxyArray()).limit(25)
                        .forEach(frame -> message.append("\n\t").append(frame.getSTEAsString()));
            }
            messages.add(message.toString());
        }
    }
}
