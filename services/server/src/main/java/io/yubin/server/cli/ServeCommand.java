package io.yubin.server.cli;

import io.yubin.server.EmbeddedServer;
import io.yubin.server.LogSetup;
import io.yubin.server.config.ServerConfig;
import io.yubin.server.tls.TlsException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the mail server: the embedded deployment unless the configuration says otherwise.",
        footer = {"", "Every configuration key can be overridden by an environment variable: YUBIN_ and the key"
            + " path upper-cased with '.' and '-' as '_', e.g. YUBIN_ADMIN_PORT=9080."})
public final class ServeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    /** The signals that stop the server gracefully. */
    private static final List<String> STOP_SIGNALS = List.of("TERM", "INT");

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML configuration file (default: ./yubin.yaml when it exists).")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig settings = ConfigFile.load(config);
        LogSetup.apply(settings);
        EmbeddedServer server;
        try {
            server = EmbeddedServer.start(settings);
        } catch (TlsException e) {
            throw CliException.failed(e.getMessage(), e);
        } catch (Exception e) {
            throw CliException.failed("cannot start: " + rootCause(e), e);
        }
        // SIGTERM (Kubernetes, systemd, docker stop) and SIGINT: the graceful stop, then exit status 0.
        // The JVM's own handling would run the shutdown hook too, but exit with 128 + the signal.
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : STOP_SIGNALS) {
            try {
                Signal.handle(new Signal(name), signal -> stop.countDown());
            } catch (IllegalArgumentException e) {
                // Taken by the JVM (-Xrs) or not on this platform: the shutdown hook below still stops.
                LOG.warn("Cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
        // Any other end of the JVM (System.exit elsewhere, the last non-daemon thread) still stops it.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "yubin-shutdown"));
        stop.await();
        server.close();
        return 0;
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
