package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpamEvaluationTest {

    @TempDir
    Path dir;

    /** n messages of one class, one per file, each with the mbox "From " line the SpamAssassin corpus has. */
    private Path directory(String name, boolean spam, int n, int seed) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            byte[] message = Messages.message(random, spam, seed * 1000 + i);
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.writeBytes("From sender@example.com  Thu Aug 22 12:36:23 2002\n".getBytes(StandardCharsets.US_ASCII));
            file.writeBytes(message);
            Files.write(d.resolve(String.format("%05d.msg", i)), file.toByteArray());
        }
        Files.writeString(d.resolve("cmds"), "mv 00001.msg x\n");
        Files.writeString(d.resolve(".hidden"), "not a message");
        return d;
    }

    @Test
    void readsDirectoriesSkippingTheCorpusIndexAndMboxFilesUnescapingFromLines() throws Exception {
        Path ham = directory("ham", false, 3, 1);
        Path mbox = Files.writeString(dir.resolve("box.mbox"), """
                From a@example.com Mon Jan  1 00:00:00 2024
                Subject: one

                >From the start
                >>From kept one level
                From b@example.com Mon Jan  1 00:00:01 2024
                Subject: two

                body
                """);

        List<byte[]> messages = SpamCorpus.read(List.of(ham, mbox));

        assertThat(messages).hasSize(5);
        assertThat(new String(messages.get(0), StandardCharsets.US_ASCII)).startsWith("From: colleague@work.example");
        assertThat(new String(messages.get(3), StandardCharsets.US_ASCII))
                .isEqualTo("Subject: one\n\nFrom the start\n>From kept one level\n");
        assertThat(new String(messages.get(4), StandardCharsets.US_ASCII)).isEqualTo("Subject: two\n\nbody\n");
        assertThatThrownBy(() -> SpamCorpus.read(List.of(dir.resolve("missing"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such file or directory");
    }

    @Test
    void trainsOnOneSetAndReportsTheConfusionMatrixOfAnother() throws Exception {
        List<byte[]> trainHam = SpamCorpus.read(List.of(directory("train-ham", false, 40, 2)));
        List<byte[]> trainSpam = SpamCorpus.read(List.of(directory("train-spam", true, 30, 3)));
        List<byte[]> testHam = SpamCorpus.read(List.of(directory("test-ham", false, 25, 4)));
        List<byte[]> testSpam = SpamCorpus.read(List.of(directory("test-spam", true, 20, 5)));

        SpamMetrics metrics = new SpamEvaluation(new SpamClassifier(), 2, 100)
                .trainAndTest(trainHam, trainSpam, testHam, testSpam, 0.5);

        assertThat(metrics.spamAsSpam() + metrics.spamAsHam()).isEqualTo(20);
        assertThat(metrics.hamAsHam() + metrics.hamAsSpam()).isEqualTo(25);
        assertThat(metrics.recall()).isEqualTo(1.0);
        assertThat(metrics.hamFalsePositiveRate()).isZero();
        assertThat(metrics.messagesPerSecond()).isPositive();
        assertThat(metrics.report()).contains("precision 1.0000  recall 1.0000  ham false positives 0.00 % (0 of 25)");
    }

    @Test
    void crossValidationClassifiesEveryMessageOnceByAModelThatDidNotLearnIt() throws Exception {
        List<byte[]> ham = SpamCorpus.read(List.of(directory("ham", false, 24, 6)));
        List<byte[]> spam = SpamCorpus.read(List.of(directory("spam", true, 17, 7)));
        // A spam message, also among the ham in the fold it falls into there (24 mod 4 = 0, as spam 0):
        // the model of that fold learned neither copy, so the copy among the ham is called spam.
        ham.add(spam.get(0));

        SpamEvaluation evaluation = new SpamEvaluation(new SpamClassifier(), 1, 100);
        SpamEvaluation.Scores scores = evaluation.crossValidateScores(List.of(ham), List.of(spam), 4,
                SpamEvaluation.FoldOrder.INTERLEAVED);
        SpamMetrics metrics = scores.metrics(0.5, 1);

        assertThat(scores.ham()).hasSize(25);
        assertThat(scores.ham()[24]).isEqualTo(scores.spam()[0]);
        assertThat(scores.spam()).hasSize(17);
        assertThat(metrics.hamAsSpam()).isEqualTo(1);
        assertThat(metrics.spamAsSpam()).isEqualTo(17);
        assertThatThrownBy(() -> evaluation.crossValidateScores(List.of(ham), List.of(spam), 1, SpamEvaluation.FoldOrder.INTERLEAVED))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contiguousFoldsAreRunsOfConsecutiveMessagesOfEachSet() throws Exception {
        List<byte[]> ham = SpamCorpus.read(List.of(directory("ham", false, 24, 8)));
        List<byte[]> spam = SpamCorpus.read(List.of(directory("spam", true, 16, 9)));
        // Spam 4 again as the first ham. Interleaved, both are in fold 0 and its model learned neither;
        // contiguous, spam 4 is in fold 1, whose model learned the copy as ham.
        ham.add(0, spam.get(4));

        SpamEvaluation evaluation = new SpamEvaluation(new SpamClassifier(), 1, 100);
        SpamEvaluation.Scores interleaved = evaluation.crossValidateScores(List.of(ham), List.of(spam), 4,
                SpamEvaluation.FoldOrder.INTERLEAVED);
        SpamEvaluation.Scores contiguous = evaluation.crossValidateScores(List.of(ham), List.of(spam), 4,
                SpamEvaluation.FoldOrder.CONTIGUOUS);

        assertThat(interleaved.spam()[4]).isEqualTo(interleaved.ham()[0]);
        assertThat(contiguous.spam()[4]).isLessThan(interleaved.spam()[4]);
        // Two sets of 8 and 4 in 4 folds: contiguous, runs of 2 and of 1 in each fold; interleaved, across both.
        List<byte[]> eight = ham.subList(0, 8);
        List<byte[]> four = ham.subList(8, 12);
        assertThat(SpamEvaluation.FoldOrder.CONTIGUOUS.folds(List.of(eight, four), 4))
                .containsExactly(0, 0, 1, 1, 2, 2, 3, 3, 0, 1, 2, 3);
        assertThat(SpamEvaluation.FoldOrder.INTERLEAVED.folds(List.of(eight, four), 4))
                .containsExactly(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    }

    @Test
    void forwardLearnsTheFirstPartOfEachSetAndClassifiesTheRest() throws Exception {
        List<byte[]> ham = SpamCorpus.read(List.of(directory("fwd-ham", false, 10, 31)));
        List<byte[]> moreHam = SpamCorpus.read(List.of(directory("fwd-ham-2", false, 5, 32)));
        List<byte[]> spam = SpamCorpus.read(List.of(directory("fwd-spam", true, 10, 33)));

        assertThat(SpamEvaluation.learnedFirst(List.of(ham, moreHam), 60))
                .containsExactly(-1, -1, -1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, 0, 0);
        SpamEvaluation.Scores scores = new SpamEvaluation(new SpamClassifier(), 1, 0)
                .forward(List.of(ham, moreHam), List.of(spam), 60);

        assertThat(Arrays.stream(scores.ham()).map(x -> Double.isNaN(x) ? 0 : 1).toArray())
                .containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1);
        assertThat(Arrays.stream(scores.spam()).filter(x -> !Double.isNaN(x)).count()).isEqualTo(4);
        assertThat(scores.metrics(0.6, 1).report()).contains("(0 of 6)");
        assertThatThrownBy(() -> new SpamEvaluation(new SpamClassifier(), 1, 0).forward(List.of(ham), List.of(spam), 100))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metricsFollowFromTheConfusionMatrix() {
        SpamMetrics metrics = new SpamMetrics("score >= 0.500", 90, 10, 995, 5, 1000, 2);
        assertThat(metrics.precision()).isCloseTo(90.0 / 95, within(1e-12));
        assertThat(metrics.recall()).isCloseTo(0.9, within(1e-12));
        assertThat(metrics.hamFalsePositiveRate()).isCloseTo(0.005, within(1e-12));
        assertThat(metrics.report()).contains("ham false positives 0.50 % (5 of 1000)").contains("1000 messages/s");
    }

    @Test
    void leavingASourceOutClassifiesItsHamByAModelThatLearnedNoneOfIt() {
        java.util.function.BiFunction<String, Integer, byte[]> listMail = (list, i) -> ("List-Id: The list\n <" + list
                + ">\nSubject: " + list + " " + i + "\n\n" + list + " words of the list only " + i + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<byte[]> lists = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            lists.add(listMail.apply(i % 2 == 0 ? "alpha.example.org" : "BETA.example.org", i));
        }
        lists.add(listMail.apply("tiny.example.org", 1));
        List<byte[]> plain = new java.util.ArrayList<>();
        Random random = new Random(3);
        for (int i = 0; i < 20; i++) {
            plain.add(Messages.message(random, false, 500 + i));
        }
        List<byte[]> spam = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            spam.add(Messages.message(random, true, 900 + i));
        }

        SpamEvaluation.Sources sources = SpamEvaluation.Sources.of(List.of(lists, plain), 10);
        assertThat(sources.names()).containsExactly("alpha.example.org", "beta.example.org", "set 2");
        assertThat(sources.sizes()).containsExactly(15, 15, 20);
        assertThat(sources.folds()[0]).isZero();
        assertThat(sources.folds()[1]).isEqualTo(1);
        assertThat(sources.folds()[30]).as("too small: always learned").isEqualTo(-1);
        assertThat(sources.folds()[31]).isEqualTo(2);

        SpamEvaluation.Scores scores = new SpamEvaluation(new SpamClassifier(), 1, 0)
                .leaveSourcesOut(List.of(lists, plain), List.of(spam), sources);
        assertThat(scores.ham()[30]).as("never classified").isNaN();
        assertThat(java.util.Arrays.stream(scores.ham()).filter(Double::isNaN).count()).isEqualTo(1);
        assertThat(java.util.Arrays.stream(scores.spam()).filter(Double::isNaN).count()).isZero();
        SpamMetrics metrics = scores.metrics(0.5, 1);
        assertThat(metrics.hamAsSpam() + metrics.hamAsHam()).isEqualTo(50);
        assertThat(metrics.spamAsSpam() + metrics.spamAsHam()).isEqualTo(30);
        assertThatThrownBy(() -> new SpamEvaluation(new SpamClassifier(), 1, 0).leaveSourcesOut(List.of(lists, plain),
                List.of(spam), SpamEvaluation.Sources.of(List.of(lists, plain), 40)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 sources");
    }
}
