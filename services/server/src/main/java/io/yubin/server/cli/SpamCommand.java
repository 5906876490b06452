package io.yubin.server.cli;

import io.yubin.filter.spam.LogisticSpamEngine;
import io.yubin.filter.spam.SpamClassifier;
import io.yubin.filter.spam.SpamCorpus;
import io.yubin.filter.spam.SpamEngine;
import io.yubin.filter.spam.SpamEvaluation;
import io.yubin.filter.spam.SpamMetrics;
import io.yubin.filter.spam.SpamRule;
import io.yubin.filter.spam.YubinSpamEngine;
import io.yubin.filter.spam.rspamd.RspamdSpamEngine;
import io.yubin.filter.spam.spamd.SpamdSpamEngine;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code yubin spam eval}: the spam filter measured on a corpus, offline (no server involved). */
@Command(name = "spam", mixinStandardHelpOptions = true,
        description = "The trainable spam filter: measure it on a corpus of ham and spam.",
        subcommands = {SpamCommand.Eval.class, SpamCommand.Rules.class, SpamTrainCommand.class},
        footer = {"", "See docs/filtering.md; bench/spam-corpus.sh fetches the SpamAssassin public corpus."})
public final class SpamCommand extends GroupCommand {

    /** Test spam scored at or above this is called spam: the server's junk threshold (docs/filtering.md). */
    static final String DEFAULT_THRESHOLD = "0.65";

    @Spec
    CommandSpec spec;

    @Override
    CommandSpec spec() {
        return spec;
    }

    /** The spam filters that the harness measures. */
    enum Engine {
        YUBIN, LOGISTIC, SPAMD, RSPAMD;

        /** Whether --threshold is the engine's (the other two decide with their own configuration). */
        boolean thresholded() {
            return this == YUBIN || this == LOGISTIC;
        }

        /** --engine takes the names in lower case. */
        static final class Converter implements CommandLine.ITypeConverter<Engine> {
            @Override
            public Engine convert(String value) {
                return Engine.valueOf(value.toUpperCase(Locale.ROOT));
            }
        }
    }

    @Command(name = "rules", mixinStandardHelpOptions = true,
            description = "How many messages of each directory or mbox file each hand-written rule is found in "
                    + "(the rules add to the statistical score; docs/filtering.md, \"Rules\").")
    static final class Rules implements Callable<Integer> {

        @Parameters(arity = "1..*", paramLabel = "DIR|MBOX", description = "Messages to read.")
        List<Path> paths;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            paths.stream().filter(p -> !Files.exists(p)).findFirst().ifPresent(p -> {
                throw CliException.failed("no such file or directory: " + p);
            });
            PrintWriter out = spec.commandLine().getOut();
            SpamClassifier classifier = new SpamClassifier();
            for (Path path : paths) {
                int[] counts = new int[SpamRule.values().length];
                int read = 0;
                int none = 0;
                try (SpamCorpus.Messages messages = SpamCorpus.open(List.of(path))) {
                    for (byte[] message = messages.next(); message != null; message = messages.next()) {
                        Set<SpamRule> found = SpamRule.found(classifier.features(message));
                        found.forEach(rule -> counts[rule.ordinal()]++);
                        none += found.isEmpty() ? 1 : 0;
                        read++;
                    }
                }
                out.printf(Locale.ROOT, "%s: %d messages, %d with no rule%n", path, read, none);
                for (SpamRule rule : SpamRule.values()) {
                    out.printf(Locale.ROOT, "  %-22s %+.1f  %d%n", rule.name(), rule.weight(), counts[rule.ordinal()]);
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = {"Train a new model on the training sets, classify the test sets, and print the confusion "
                + "matrix, precision, recall, the ham false-positive rate and the messages classified per second.",
                "Without test sets, K-fold cross-validation over the training sets (message i in fold i mod K, "
                    + "or runs of consecutive messages with --contiguous-folds).",
                "--engine spamd and rspamd send the messages to a running SpamAssassin spamd or rspamd, which "
                    + "learn the training sets (their Bayes) and classify the test sets with their own verdict.",
                "A DIR holds one message per file (sorted by name; a `cmds` file and hidden files are skipped); "
                    + "any other file is read as an mbox."})
    static final class Eval implements Callable<Integer> {
        @Option(names = "--train-ham", arity = "1..*", required = true, paramLabel = "DIR|MBOX",
                description = "Ham to learn.")
        List<Path> trainHam;

        @Option(names = "--train-spam", arity = "1..*", required = true, paramLabel = "DIR|MBOX",
                description = "Spam to learn.")
        List<Path> trainSpam;

        @Option(names = "--test-ham", arity = "1..*", paramLabel = "DIR|MBOX", description = "Ham to classify.")
        List<Path> testHam;

        @Option(names = "--test-spam", arity = "1..*", paramLabel = "DIR|MBOX", description = "Spam to classify.")
        List<Path> testSpam;

        @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "yubin", converter = Engine.Converter.class,
                description = "yubin, logistic (logistic regression over yubin's features, measured as an alternative;"
                    + " test sets only), spamd (SpamAssassin, spamc protocol; spamd runs with --allow-tell) or rspamd "
                    + "(HTTP) (default: ${DEFAULT-VALUE}).")
        Engine engine;

        @Option(names = "--spamd", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:783",
                description = "spamd's address (default: ${DEFAULT-VALUE}).")
        String spamd;

        @Option(names = "--rspamd-normal", paramLabel = "URL", defaultValue = "http://127.0.0.1:11333",
                description = "rspamd's normal worker, which classifies (default: ${DEFAULT-VALUE}).")
        URI rspamdNormal;

        @Option(names = "--rspamd-controller", paramLabel = "URL", defaultValue = "http://127.0.0.1:11334",
                description = "rspamd's controller, which learns; it must trust this address, as no password is "
                    + "sent (default: ${DEFAULT-VALUE}).")
        URI rspamdController;

        @Option(names = "--threshold", paramLabel = "X", defaultValue = DEFAULT_THRESHOLD,
                description = "yubin: a score at or above X (0 to 1) is spam (default: ${DEFAULT-VALUE}).")
        double threshold;

        @Option(names = "--folds", paramLabel = "K",
                description = "Cross-validate in K folds over the training sets (default 10 when no test sets are given).")
        Integer folds;

        @Option(names = "--contiguous-folds",
                description = "Folds of consecutive messages (in name order) instead of message i in fold i mod K: "
                    + "a fold is then tested on a model that saw none of its neighbours.")
        boolean contiguous;

        @Option(names = "--leave-out-sources",
                description = "Instead of folds: the ham of each source (its List-Id, else its DIR or MBOX) with at least "
                    + "a fiftieth of the ham (and 20 messages) classified by a model that learned every other, with a run "
                    + "of the spam; how mail of a source never learned fares.")
        boolean leaveOutSources;

        @Option(names = "--forward", paramLabel = "PERCENT",
                description = "Instead of folds: the first PERCENT % of each training set (in name order) learned and "
                    + "the rest classified; how mail of a later period fares with a model of an earlier one.")
        Integer forward;

        @Option(names = "--curve", paramLabel = "X,Y,...", split = ",",
                description = "yubin, validations only (folds, --leave-out-sources, --forward): also the false positives, "
                    + "recall and precision at each of these thresholds, to choose a junk threshold on the training "
                    + "data (not offered with test sets, which must not choose it).")
        double[] curve;

        @Option(names = "--threads", paramLabel = "N", description = "Threads classifying (default: the processors, ${DEFAULT-VALUE}).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Option(names = "--warm-up", paramLabel = "N",
                description = "Messages classified untimed before the timing, the test set over and over, "
                    + "so that compiled code is timed (default: " + SpamEvaluation.DEFAULT_WARM_UP
                    + " with yubin, 0 with spamd and rspamd).")
        Integer warmUp;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            boolean test = testHam != null || testSpam != null;
            if (test && (testHam == null || testSpam == null)) {
                throw usage("--test-ham and --test-spam go together");
            }
            if (leaveOutSources && (test || folds != null || contiguous || forward != null)) {
                throw usage("--leave-out-sources goes with neither test sets nor --folds, --contiguous-folds and --forward");
            }
            if (forward != null && (test || folds != null || contiguous)) {
                throw usage("--forward goes with neither test sets nor --folds and --contiguous-folds");
            }
            if (forward != null && (forward < 1 || forward > 99)) {
                throw usage("--forward must be from 1 to 99 (%), not " + forward);
            }
            if (test && (folds != null || contiguous)) {
                throw usage("--folds and --contiguous-folds cross-validate over the training sets; they do not go with test sets");
            }
            if (engine != Engine.YUBIN && !test) {
                throw usage("--engine " + engine.name().toLowerCase(Locale.ROOT)
                        + " needs test sets: the harness cross-validates yubin's classifier only");
            }
            if (!engine.thresholded() && spec.commandLine().getParseResult().hasMatchedOption("--threshold")) {
                throw usage("--threshold is yubin's; spamd and rspamd decide with their own configuration");
            }
            if (!(threshold >= 0 && threshold <= 1)) {
                throw usage("--threshold must be from 0 to 1, not " + threshold);
            }
            if (curve != null && (test || engine != Engine.YUBIN)) {
                throw usage("--curve is for yubin's validations (folds, --leave-out-sources, --forward), not with test sets"
                        + " or another engine");
            }
            if (curve != null && Arrays.stream(curve).anyMatch(t -> !(t >= 0 && t <= 1))) {
                throw usage("--curve thresholds must be from 0 to 1");
            }
            if (threads < 1) {
                throw usage("--threads must be at least 1");
            }
            int warm = warmUp != null ? warmUp : engine == Engine.YUBIN ? SpamEvaluation.DEFAULT_WARM_UP : 0;
            if (warm < 0) {
                throw usage("--warm-up must not be negative");
            }
            Stream.of(trainHam, trainSpam, test ? testHam : List.<Path>of(), test ? testSpam : List.<Path>of())
                    .flatMap(List::stream)
                    .filter(p -> !Files.exists(p))
                    .findFirst()
                    .ifPresent(p -> {
                        throw CliException.failed("no such file or directory: " + p);
                    });
            PrintWriter out = spec.commandLine().getOut();
            List<List<byte[]>> hamSets = sets(trainHam);
            List<List<byte[]>> spamSets = sets(trainSpam);
            List<byte[]> ham = hamSets.stream().flatMap(List::stream).toList();
            List<byte[]> spam = spamSets.stream().flatMap(List::stream).toList();
            requireMessages(ham, trainHam);
            requireMessages(spam, trainSpam);
            SpamEvaluation evaluation = new SpamEvaluation(new SpamClassifier(), threads, warm);
            SpamMetrics metrics;
            SpamEvaluation.Scores scores = null;
            if (test) {
                List<byte[]> hamToTest = SpamCorpus.read(testHam);
                List<byte[]> spamToTest = SpamCorpus.read(testSpam);
                requireMessages(hamToTest, testHam);
                requireMessages(spamToTest, testSpam);
                out.println("trained on " + ham.size() + " ham (" + names(trainHam) + ") and " + spam.size()
                        + " spam (" + names(trainSpam) + ")");
                out.println("tested on " + hamToTest.size() + " ham (" + names(testHam) + ") and " + spamToTest.size()
                        + " spam (" + names(testSpam) + ")");
                try (SpamEngine e = engine()) {
                    metrics = evaluation.trainAndTest(e, ham, spam, hamToTest, spamToTest);
                }
            } else if (forward != null) {
                out.println("learning the first " + forward + " % of each set and classifying the rest, of " + ham.size()
                        + " ham (" + names(trainHam) + ") and " + spam.size() + " spam (" + names(trainSpam) + ")");
                scores = evaluation.forward(hamSets, spamSets, forward);
                metrics = scores.metrics(threshold, threads);
            } else if (leaveOutSources) {
                SpamEvaluation.Sources sources = SpamEvaluation.Sources.of(hamSets, Math.max(20, ham.size() / 50));
                out.println("leaving out one source at a time, " + sources.names().size() + " of them, over " + ham.size()
                        + " ham (" + names(trainHam) + ") and " + spam.size() + " spam (" + names(trainSpam) + ")");
                SpamEvaluation.Scores left;
                try {
                    left = evaluation.leaveSourcesOut(hamSets, spamSets, sources);
                } catch (IllegalArgumentException e) {
                    throw CliException.failed(e.getMessage());
                }
                scores = left;
                for (int i = 0; i < sources.names().size(); i++) {
                    int fold = i;
                    long called = IntStream.range(0, sources.folds().length)
                            .filter(j -> sources.folds()[j] == fold && left.ham()[j] >= threshold).count();
                    out.printf(Locale.ROOT, "source %s: %d ham, %d called spam%n", sources.names().get(i),
                            sources.sizes()[i], called);
                }
                metrics = scores.metrics(threshold, threads);
            } else {
                int k = folds == null ? 10 : folds;
                if (k < 2 || k > Math.min(ham.size(), spam.size())) {
                    throw usage("--folds must be from 2 to the size of the smaller training set ("
                            + Math.min(ham.size(), spam.size()) + "), not " + k);
                }
                SpamEvaluation.FoldOrder order = contiguous ? SpamEvaluation.FoldOrder.CONTIGUOUS
                        : SpamEvaluation.FoldOrder.INTERLEAVED;
                out.println(k + "-fold cross-validation (" + order.name().toLowerCase(Locale.ROOT) + ") over " + ham.size()
                        + " ham (" + names(trainHam) + ") and " + spam.size() + " spam (" + names(trainSpam) + ")");
                scores = evaluation.crossValidateScores(hamSets, spamSets, k, order);
                metrics = scores.metrics(threshold, threads);
            }
            out.print(metrics.report());
            if (curve != null) {
                out.print(scores.curve(curve));
            }
            out.flush();
            return 0;
        }

        private SpamEngine engine() {
            return switch (engine) {
                case YUBIN -> new YubinSpamEngine(new SpamClassifier(), threshold);
                case LOGISTIC -> new LogisticSpamEngine(threshold);
                case SPAMD -> new SpamdSpamEngine(address(spamd));
                case RSPAMD -> new RspamdSpamEngine(rspamdNormal, rspamdController);
            };
        }

        private InetSocketAddress address(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            try {
                return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw usage("--spamd must be HOST:PORT, not " + hostPort);
            }
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }

        private static void requireMessages(List<byte[]> messages, List<Path> paths) {
            if (messages.isEmpty()) {
                throw CliException.failed("no messages in " + names(paths));
            }
        }

        /** The messages of each path apart: contiguous folds take a run of each. */
        private static List<List<byte[]>> sets(List<Path> paths) {
            return paths.stream().map(p -> SpamCorpus.read(List.of(p))).toList();
        }

        private static String names(List<Path> paths) {
            return paths.stream().map(Path::toString).collect(Collectors.joining(" "));
        }
    }
}
