package io.yubin.server.cli;

import io.yubin.filter.spam.SpamClassifier;
import io.yubin.filter.spam.SpamCorpus;
import io.yubin.filter.spam.SpamFilter;
import io.yubin.model.MailAddress;
import io.yubin.server.StorageWiring;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code yubin spam train}: the server's spam filter trained in bulk, through the configuration's
 * storage (docs/filtering.md). Idempotent per message, as training by moves is.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the server's spam filter on messages known to be spam or ham: the global model, or a "
            + "user's model and the global one. Works on the configured storage directly; the server may be running "
            + "(its members read the models again within a minute).",
            "A DIR holds one message per file; any other file is read as an mbox. A message trained before is "
                + "left alone, or trained the other way when it was trained so."})
final class SpamTrainCommand implements Callable<Integer> {

    /** Messages learned per model write. */
    static final int BATCH = 500;
    /** A batch ends at this many octets of messages too: large messages make smaller batches. */
    static final long BATCH_OCTETS = 32L << 20;

    @Option(names = "--spam", arity = "1..*", paramLabel = "DIR|MBOX", description = "Messages that are spam.")
    List<Path> spam;

    @Option(names = "--ham", arity = "1..*", paramLabel = "DIR|MBOX", description = "Messages that are not spam.")
    List<Path> ham;

    @Option(names = "--user", paramLabel = "ADDRESS", description = "Train this user's model too (default: the "
            + "global model alone).")
    String user;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((spam == null || spam.isEmpty()) && (ham == null || ham.isEmpty())) {
            throw new ParameterException(spec.commandLine(), "give --spam or --ham (or both)");
        }
        for (Path path : concat(spam, ham)) {
            if (!Files.exists(path)) {
                throw CliException.failed("no such file or directory: " + path);
            }
        }
        String owner;
        try {
            owner = user == null ? SpamModels.GLOBAL : MailAddress.parse(user).canonical();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--user " + user + " is not an address: " + e.getMessage());
        }
        ServerConfig settings = ConfigFile.load(config);
        PrintWriter out = spec.commandLine().getOut();
        ExecutorService worker = Executors.newFixedThreadPool(2);
        try (Storage storage = StorageWiring.openForCommand(settings)) {
            SpamFilter filter = new SpamFilter(storage.spamModels(), new SpamClassifier(),
                    new SpamFilter.Settings(settings.spam().minTrained(), Duration.ZERO, 0,
                            SpamFilter.Settings.MAX_FEATURES), Clock.systemUTC(), worker);
            train(filter, owner, spam, true, out);
            train(filter, owner, ham, false, out);
        } finally {
            worker.shutdownNow();
        }
        return 0;
    }

    private static void train(SpamFilter filter, String owner, List<Path> paths, boolean isSpam, PrintWriter out)
            throws Exception {
        if (paths == null || paths.isEmpty()) {
            return;
        }
        int read = 0;
        int learned = 0;
        int relearned = 0;
        // A batch at a time, as the messages are read: an mbox of any size takes the memory of a batch.
        try (SpamCorpus.Messages messages = SpamCorpus.open(paths)) {
            List<byte[]> batch = new ArrayList<>(BATCH);
            long octets = 0;
            byte[] m;
            do {
                m = messages.next();
                if (m != null) {
                    batch.add(m);
                    octets += m.length;
                    read++;
                }
                if (!batch.isEmpty() && (batch.size() == BATCH || octets >= BATCH_OCTETS || m == null)) {
                    for (SpamFilter.Trained done : filter.train(owner, batch, isSpam).toCompletableFuture()
                            .get(10, TimeUnit.MINUTES)) {
                        learned += done == SpamFilter.Trained.LEARNED ? 1 : 0;
                        relearned += done == SpamFilter.Trained.RELEARNED ? 1 : 0;
                    }
                    batch = new ArrayList<>(BATCH);
                    octets = 0;
                }
            } while (m != null);
        }
        out.printf("%s: %d messages as %s: %d learned, %d relearned, %d known already%n",
                owner.equals(SpamModels.GLOBAL) ? "global model" : owner, read, isSpam ? "spam" : "ham",
                learned, relearned, read - learned - relearned);
        out.flush();
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        return Stream.concat(a == null ? Stream.empty() : a.stream(), b == null ? Stream.empty() : b.stream()).toList();
    }
}
