package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SpamClassifierTest {

    private final SpamClassifier classifier = new SpamClassifier();

    @Test
    void separatesSpamFromHamItWasNotTrainedOn() {
        Random random = new Random(1);
        InMemorySpamModel model = new InMemorySpamModel();
        for (int i = 0; i < 60; i++) {
            classifier.learn(Messages.message(random, i % 2 == 0, i), i % 2 == 0, model);
        }
        for (int i = 0; i < 40; i++) {
            boolean spam = i % 2 == 0;
            SpamVerdict verdict = classifier.classify(Messages.message(random, spam, 1000 + i), model);
            assertThat(verdict.clues()).isPositive();
            if (spam) {
                assertThat(verdict.score()).as("spam %d", i).isGreaterThan(0.9);
            } else {
                assertThat(verdict.score()).as("ham %d", i).isLessThan(0.1);
            }
        }
    }

    @Test
    void aRunOfTextSharedBySpamAndHamCountsAsOneClue() {
        // A list footer of 50 features (its words and OSB pairs), in 60 of 100 spam and 10 of 100 ham:
        // each alone leans to spam (0.86), and as 50 independent clues they would outweigh the
        // message's own 3 words, which only ham ever had (in 30, 25 and 20 messages).
        long[] footer = LongStream.rangeClosed(1, 50).toArray();
        long[] own = {1001, 1002, 1003};
        InMemorySpamModel model = new InMemorySpamModel();
        for (int i = 0; i < 100; i++) {
            model.learn(i < 60 ? footer : new long[] {2000 + i}, true);
            int index = i;
            LongStream words = LongStream.range(0, own.length).filter(j -> index < 30 - 5 * j).map(j -> own[(int) j]);
            long[] ham = i < 10 ? footer : new long[] {3000 + i};
            model.learn(LongStream.concat(LongStream.of(ham), words).toArray(), false);
        }
        long[] message = LongStream.concat(LongStream.of(footer), LongStream.of(own)).toArray();

        SpamVerdict verdict = classifier.classify(message, model, null);

        assertThat(verdict.clues()).as("the footer's 50 features as one clue, and the 3 words").isEqualTo(4);
        assertThat(verdict.score()).isLessThan(0.1);
        // Features seen in fewer messages share their counts by chance (1 spam, 0 ham): each is a clue.
        InMemorySpamModel rare = new InMemorySpamModel();
        long[] words = LongStream.rangeClosed(1, 10).toArray();
        rare.learn(words, true);
        rare.learn(new long[] {99}, false);
        assertThat(classifier.classify(words, rare, null).clues()).isEqualTo(10);
    }

    @Test
    void markupTakesPartAsTenCluesAtMost() {
        long[] markup = LongStream.range(0, 40).map(i -> FeatureHash.markup(FeatureHash.seed("html"), "t" + i)).toArray();
        long[] plain = LongStream.range(0, 40).map(i -> 5000 + i).toArray();

        SpamVerdict asMarkup = layoutAndWords(markup);
        SpamVerdict asWords = layoutAndWords(plain);

        assertThat(asMarkup.clues()).as("10 of the markup, and the 3 words").isEqualTo(13);
        assertThat(asWords.clues()).isEqualTo(43);
        assertThat(asMarkup.score()).isLessThan(asWords.score() - 0.1);
    }

    /**
     * A message of 40 features that spam has far more often than ham (each with counts of its own, so
     * that none is grouped as one run of text) and 3 words only ham had (30, 25 and 20 times).
     */
    private SpamVerdict layoutAndWords(long[] layout) {
        long[] own = {1001, 1002, 1003};
        InMemorySpamModel model = new InMemorySpamModel();
        for (int i = 0; i < 100; i++) {
            int index = i;
            model.learn(LongStream.range(0, 40).filter(t -> index < 50 + t).map(t -> layout[(int) t]).toArray(), true);
            long[] ham = LongStream.range(0, 40).filter(t -> index < 2 + t % 3).map(t -> layout[(int) t]).toArray();
            LongStream words = LongStream.range(0, own.length).filter(j -> index < 30 - 5 * j).map(j -> own[(int) j]);
            model.learn(LongStream.concat(LongStream.of(ham), LongStream.concat(words, LongStream.of(3000 + index)))
                    .toArray(), false);
        }
        return classifier.classify(LongStream.concat(LongStream.of(layout), LongStream.of(own)).toArray(), model, null);
    }

    @Test
    void aMessageOfUnknownFeaturesIsUnsure() {
        InMemorySpamModel model = new InMemorySpamModel();
        SpamVerdict empty = classifier.classify(Messages.message(new Random(2), true, 1), model);
        assertThat(empty).isEqualTo(new SpamVerdict(0.5, 0, java.util.Set.of()));
        assertThat(empty.spam(0.5)).isTrue();
        assertThat(empty.spam(0.9)).isFalse();
    }

    @Test
    void theUsersModelTakesPrecedenceOverTheGlobalOneWhereItHasData() {
        byte[] newsletter = """
                From: news@letters.example\r
                Subject: weekly digest\r
                \r
                weekly digest of offers and discount coupons for members\r
                """.getBytes(StandardCharsets.US_ASCII);
        Random random = new Random(3);
        InMemorySpamModel global = new InMemorySpamModel();
        InMemorySpamModel user = new InMemorySpamModel();
        for (int i = 0; i < 30; i++) {
            classifier.learn(newsletter, true, global);
            classifier.learn(Messages.message(random, false, i), false, global);
        }
        classifier.learn(newsletter, false, user);
        classifier.learn(Messages.message(random, true, 100), true, user);

        assertThat(classifier.classify(newsletter, global).score()).isGreaterThan(0.98);
        assertThat(classifier.classify(newsletter, global, user).score()).isLessThan(0.02);
        // Where the user's model knows nothing, the global model answers.
        byte[] ham = Messages.message(random, false, 200);
        assertThat(classifier.classify(ham, global, user).score())
                .isCloseTo(classifier.classify(ham, global).score(), within(0.2));
    }

    @Test
    void aUserModelOfOneClassOnlyIsNotUsed() {
        byte[] message = Messages.message(new Random(4), true, 1);
        InMemorySpamModel global = new InMemorySpamModel();
        classifier.learn(message, true, global);
        classifier.learn(Messages.message(new Random(5), false, 2), false, global);
        InMemorySpamModel user = new InMemorySpamModel();
        classifier.learn(message, false, user);

        assertThat(classifier.classify(message, global, user)).isEqualTo(classifier.classify(message, global));
    }

    @Test
    void chiSquareTailMatchesKnownValues() {
        // P(chi2 >= 2) with 2 degrees of freedom is e^-1; with 4, 2e^-1.
        assertThat(SpamClassifier.chiSquareQ(2, 2)).isCloseTo(Math.exp(-1), within(1e-12));
        assertThat(SpamClassifier.chiSquareQ(2, 4)).isCloseTo(2 * Math.exp(-1), within(1e-12));
        assertThat(SpamClassifier.chiSquareQ(0, 10)).isEqualTo(1.0);
        assertThat(SpamClassifier.chiSquareQ(3000, 300)).isZero();
    }

    @Test
    void theFingerprintIgnoresFieldsAddedOnTheWayButNotTheBody() {
        String message = "Message-ID: <a@b.example>\r\nSubject: x\r\n\r\nbody\r\n";
        String relayed = "Received: from relay\r\nAuthentication-Results: mx; spf=pass\r\n" + message;
        assertThat(MessageFingerprint.of(relayed.getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(MessageFingerprint.of(message.getBytes(StandardCharsets.US_ASCII)))
                .hasSize(64);
        assertThat(MessageFingerprint.of(message.replace("body", "other").getBytes(StandardCharsets.US_ASCII)))
                .isNotEqualTo(MessageFingerprint.of(message.getBytes(StandardCharsets.US_ASCII)));
        assertThat(MessageFingerprint.of(message.replace("<a@", "<c@").getBytes(StandardCharsets.US_ASCII)))
                .isNotEqualTo(MessageFingerprint.of(message.getBytes(StandardCharsets.US_ASCII)));
    }
}
