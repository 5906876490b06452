package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code yubin spam eval} on a small generated corpus, as directories of one message per file. */
class SpamCommandTest {

    private static final String[] HAM = {"meeting", "patch", "review", "lunch", "release", "agenda", "merge", "notes"};
    private static final String[] SPAM = {"free", "winner", "cash", "casino", "prize", "discount", "loan", "bonus"};
    private static final String[] COMMON = {"the", "and", "you", "for", "this", "with", "have", "your"};

    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private String corpus(String name, boolean spam, int n, int seed) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Random random = new Random(seed);
        String[] own = spam ? SPAM : HAM;
        for (int i = 0; i < n; i++) {
            StringBuilder body = new StringBuilder();
            for (int w = 0; w < 30; w++) {
                String[] list = random.nextBoolean() ? own : COMMON;
                body.append(list[random.nextInt(list.length)]).append(' ');
            }
            Files.writeString(d.resolve(String.format("%04d", i)), "From: " + (spam ? "x@promo.example" : "y@work.example")
                    + "\r\nSubject: " + own[random.nextInt(own.length)] + "\r\n\r\n" + body + "\r\n");
        }
        return d.toString();
    }

    @Test
    void trainsOnOneSetClassifiesAnotherAndPrintsTheFigures() throws Exception {
        int status = run("spam", "eval", "--train-ham", corpus("train-ham", false, 30, 1), "--train-spam",
                corpus("train-spam", true, 20, 2), "--test-ham", corpus("test-ham", false, 12, 3), corpus("more-ham", false, 3, 4),
                "--test-spam", corpus("test-spam", true, 10, 5), "--threshold", "0.5", "--warm-up", "100");

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out())
                .contains("trained on 30 ham (" + dir.resolve("train-ham") + ") and 20 spam")
                .contains("tested on 15 ham (" + dir.resolve("test-ham") + " " + dir.resolve("more-ham") + ") and 10 spam")
                .contains("spam when score >= 0.500")
                .contains("precision 1.0000  recall 1.0000  ham false positives 0.00 % (0 of 15)")
                .containsPattern("classification \\d+ messages/s \\(\\d+ threads");
    }

    @Test
    void theLogisticEngineTrainsOnOneSetAndClassifiesAnother() throws Exception {
        int status = run("spam", "eval", "--engine", "logistic", "--train-ham", corpus("lr-train-ham", false, 30, 11),
                "--train-spam", corpus("lr-train-spam", true, 20, 12), "--test-ham", corpus("lr-test-ham", false, 12, 13),
                "--test-spam", corpus("lr-test-spam", true, 10, 14), "--threshold", "0.5");

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out()).contains("spam when logistic score >= 0.500")
                .contains("precision 1.0000  recall 1.0000  ham false positives 0.00 % (0 of 12)");
        assertThat(run("spam", "eval", "--engine", "logistic", "--train-ham", corpus("lr-ham", false, 4, 15),
                "--train-spam", corpus("lr-spam", true, 4, 16))).isEqualTo(2);
        assertThat(cli.err()).contains("--engine logistic needs test sets");
    }

    @Test
    void leavesSourcesOutOneAtATime() throws Exception {
        int status = run("spam", "eval", "--leave-out-sources", "--train-ham", corpus("lso-ham-a", false, 25, 21),
                corpus("lso-ham-b", false, 25, 22), "--train-spam", corpus("lso-spam", true, 20, 23), "--warm-up", "0");

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out()).contains("leaving out one source at a time, 2 of them, over 50 ham")
                .contains("source set 1: 25 ham, ").contains("source set 2: 25 ham, ")
                .containsPattern("ham false positives [0-9.]+ % \\(\\d+ of 50\\)");
        assertThat(run("spam", "eval", "--leave-out-sources", "--folds", "5", "--train-ham", corpus("lso-x", false, 4, 24),
                "--train-spam", corpus("lso-y", true, 4, 25))).isEqualTo(2);
        assertThat(cli.err()).contains("--leave-out-sources goes with neither");
    }

    @Test
    void forwardLearnsTheFirstPartAndClassifiesTheRest() throws Exception {
        int status = run("spam", "eval", "--forward", "60", "--train-ham", corpus("fwd-ham", false, 20, 41),
                "--train-spam", corpus("fwd-spam", true, 10, 42), "--warm-up", "0");

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out()).contains("learning the first 60 % of each set and classifying the rest, of 20 ham")
                .containsPattern("ham false positives [0-9.]+ % \\(\\d+ of 8\\)");
        assertThat(run("spam", "eval", "--forward", "60", "--folds", "5", "--train-ham", dir.resolve("fwd-ham").toString(),
                "--train-spam", dir.resolve("fwd-spam").toString())).isEqualTo(2);
        assertThat(cli.err()).contains("--forward goes with neither");
        assertThat(run("spam", "eval", "--forward", "100", "--train-ham", dir.resolve("fwd-ham").toString(),
                "--train-spam", dir.resolve("fwd-spam").toString())).isEqualTo(2);
        assertThat(cli.err()).contains("--forward must be from 1 to 99");
    }

    @Test
    void aCurveGivesTheTradeAtEachThresholdOfAValidationButNeverOfATestSet() throws Exception {
        int status = run("spam", "eval", "--train-ham", corpus("c-ham", false, 20, 51), "--train-spam",
                corpus("c-spam", true, 12, 52), "--folds", "4", "--warm-up", "0", "--curve", "0,0.5,1");

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out()).contains("threshold  ham called spam      recall  precision\n")
                // At 0 everything is spam; at 1 nothing is.
                .containsPattern("0\\.000 +20 \\(100\\.00 %\\) +1\\.0000 +0\\.3750\n")
                .containsPattern("0\\.500 +0 \\( +0\\.00 %\\) +1\\.0000 +1\\.0000\n")
                .containsPattern("1\\.000 +0 \\( +0\\.00 %\\) +0\\.0000 +1\\.0000\n");
        assertThat(run("spam", "eval", "--forward", "60", "--train-ham", dir.resolve("c-ham").toString(), "--train-spam",
                dir.resolve("c-spam").toString(), "--warm-up", "0", "--curve", "0.5")).isZero();
        assertThat(cli.out()).contains("threshold  ham called spam");
        assertThat(run("spam", "eval", "--train-ham", dir.resolve("c-ham").toString(), "--train-spam",
                dir.resolve("c-spam").toString(), "--test-ham", dir.resolve("c-ham").toString(), "--test-spam",
                dir.resolve("c-spam").toString(), "--curve", "0.5")).isEqualTo(2);
        assertThat(cli.err()).contains("--curve is for yubin's validations");
        assertThat(run("spam", "eval", "--train-ham", dir.resolve("c-ham").toString(), "--train-spam",
                dir.resolve("c-spam").toString(), "--curve", "0.5,2")).isEqualTo(2);
        assertThat(cli.err()).contains("--curve thresholds must be from 0 to 1");
    }

    @Test
    void countsTheMessagesEachRuleIsFoundIn() throws Exception {
        Path d = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(d.resolve("1"), "From: a@example.org\r\nTo: undisclosed-recipients:;\r\nSubject: Win $500\r\n\r\nx\r\n");
        Files.writeString(d.resolve("2"), "From: b@example.org\r\nTo: undisclosed-recipients:;\r\nSubject: hi\r\n\r\nx\r\n");
        Files.writeString(d.resolve("3"), "From: c@example.org\r\nTo: d@example.org\r\nSubject: hi\r\n\r\nx\r\n");

        assertThat(run("spam", "rules", d.toString())).as(cli.err()).isZero();
        assertThat(cli.out()).contains(d + ": 3 messages, 1 with no rule")
                .containsPattern("TO_UNDISCLOSED +\\+1\\.5 +2\n").containsPattern("SUBJECT_MONEY +\\+1\\.0 +1\n")
                .containsPattern("MESSAGE_ID_RATWARE +\\+2\\.0 +0\n");
        assertThat(run("spam", "rules", dir.resolve("nowhere").toString())).isEqualTo(1);
        assertThat(cli.err()).contains("no such file or directory");
    }

    @Test
    void crossValidatesOverTheTrainingSetsWithoutTestSets() throws Exception {
        int status = run("spam", "eval", "--train-ham", corpus("ham", false, 20, 6), "--train-spam", corpus("spam", true, 12, 7),
                "--folds", "4", "--warm-up", "100");

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.out()).contains("4-fold cross-validation (interleaved) over 20 ham").contains("(0 of 20)");
        assertThat(run("spam", "eval", "--train-ham", dir.resolve("ham").toString(), "--train-spam",
                dir.resolve("spam").toString(), "--folds", "4", "--contiguous-folds", "--warm-up", "100")).isZero();
        assertThat(cli.out()).contains("4-fold cross-validation (contiguous) over 20 ham");
    }

    @Test
    void aMissingOrEmptyDirectoryIsAFailureNamedOnOneLine() throws Exception {
        String missing = dir.resolve("nowhere").toString();
        int status = run("spam", "eval", "--train-ham", corpus("ham", false, 3, 8), "--train-spam", missing);

        assertThat(status).isEqualTo(CliException.FAILED);
        assertThat(cli.err()).isEqualTo("yubin: error: no such file or directory: " + missing + System.lineSeparator());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(run("spam", "eval", "--train-ham", dir.resolve("ham").toString(), "--train-spam", empty.toString()))
                .isEqualTo(CliException.FAILED);
        assertThat(cli.err()).contains("yubin: error: no messages in " + empty);
    }

    @Test
    void testSetsGoTogetherAndNotWithFolds() throws Exception {
        String ham = corpus("ham", false, 3, 9);
        String spam = corpus("spam", true, 3, 10);

        assertThat(run("spam", "eval", "--train-ham", ham, "--train-spam", spam, "--test-ham", ham))
                .isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("--test-ham and --test-spam go together");
        assertThat(run("spam", "eval", "--train-ham", ham, "--train-spam", spam, "--test-ham", ham, "--test-spam", spam,
                "--folds", "2")).isEqualTo(CliException.USAGE);
        assertThat(run("spam", "eval", "--train-ham", ham, "--train-spam", spam, "--folds", "9"))
                .isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("--folds must be from 2 to the size of the smaller training set (3), not 9");
    }

    @Test
    void spamdAndRspamdNeedTestSetsAndDecideWithoutTheThreshold() throws Exception {
        String ham = corpus("ham", false, 3, 11);
        String spam = corpus("spam", true, 3, 12);

        assertThat(run("spam", "eval", "--engine", "spamd", "--train-ham", ham, "--train-spam", spam))
                .isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("--engine spamd needs test sets");
        assertThat(run("spam", "eval", "--engine", "rspamd", "--threshold", "0.5", "--train-ham", ham,
                "--train-spam", spam, "--test-ham", ham, "--test-spam", spam)).isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("--threshold is yubin's");
        assertThat(run("spam", "eval", "--engine", "bogofilter", "--train-ham", ham, "--train-spam", spam,
                "--test-ham", ham, "--test-spam", spam)).isEqualTo(CliException.USAGE);
        assertThat(run("spam", "eval", "--engine", "spamd", "--spamd", "localhost", "--train-ham", ham,
                "--train-spam", spam, "--test-ham", ham, "--test-spam", spam)).isEqualTo(CliException.USAGE);
        assertThat(cli.err()).contains("--spamd must be HOST:PORT, not localhost");
    }
}
