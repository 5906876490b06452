package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.Random;
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
    void aMessageOfUnknownFeaturesIsUnsure() {
        InMemorySpamModel model = new InMemorySpamModel();
        SpamVerdict empty = classifier.classify(Messages.message(new Random(2), true, 1), model);
        assertThat(empty).isEqualTo(new SpamVerdict(0.5, 0));
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

        assertThat(classifier.classify(newsletter, global).score()).isGreaterThan(0.99);
        assertThat(classifier.classify(newsletter, global, user).score()).isLessThan(0.01);
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
