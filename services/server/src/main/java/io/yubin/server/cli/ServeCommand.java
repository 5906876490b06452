package io.yubin.server.cli;

import io.yubin.server.EmbeddedServer;
import io.yubin.server.config.ServerConfig;
import io.yubin.server.tls.TlsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the mail server: the embedded deployment unless the configuration says otherwise.",
        footer = {"", "Every configuration key can be overridden by an environment variable: YUBIN_ and the key"
            + " path upper-cased with '.' and '-' as '_', e.g. YUBIN_ADMIN_PORT=9080."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML configuration file (default: ./yubin.yaml when it exists).")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig settings = ConfigFile.load(config);
        EmbeddedServer server;
        try {
            server = EmbeddedServer.start(settings);
        } catch (TlsException e) {
            throw CliException.failed(e.getMessage(), e);
        } catch (Exception e) {
            throw CliException.failed("cannot start: " + rootCause(e), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "yubin-shutdown"));
        stopped.await();
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
