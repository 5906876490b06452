package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What every {@link SpamModel} must do; a backend's test extends this with its own model. */
abstract class SpamModelContract {

    /** An empty model. */
    abstract SpamModel newModel();

    @Test
    void learnCountsEachFeatureAndMessageByClass() {
        SpamModel model = newModel();
        model.learn(new long[] {1, 2}, true);
        model.learn(new long[] {2, 3}, false);
        model.learn(new long[] {2}, false);

        assertThat(model.spamMessages()).isEqualTo(1);
        assertThat(model.hamMessages()).isEqualTo(2);
        assertThat(model.counts(1)).isEqualTo(SpamModel.pack(1, 0));
        assertThat(model.counts(2)).isEqualTo(SpamModel.pack(1, 2));
        assertThat(SpamModel.spam(model.counts(2))).isEqualTo(1);
        assertThat(SpamModel.ham(model.counts(2))).isEqualTo(2);
        assertThat(model.counts(4)).isZero();
    }

    @Test
    void unlearnUndoesLearnAndForgetsFeaturesAtZeroWithoutGoingBelow() {
        SpamModel model = newModel();
        model.learn(new long[] {0, 7, -7}, true);
        model.learn(new long[] {7}, false);

        model.unlearn(new long[] {0, 7, -7}, true);
        assertThat(model.spamMessages()).isZero();
        assertThat(model.counts(0)).isZero();
        assertThat(model.counts(-7)).isZero();
        assertThat(model.counts(7)).isEqualTo(SpamModel.pack(0, 1));

        model.unlearn(new long[] {7, 8}, false);
        model.unlearn(new long[] {7}, false);
        assertThat(model.hamMessages()).isZero();
        assertThat(model.counts(7)).isZero();
    }

    @Test
    void agreesWithAHashMapOverManyLearnsAndUnlearnsOfCollidingKeys() {
        SpamModel model = newModel();
        Map<Long, long[]> expected = new HashMap<>();
        Random random = new Random(18);
        for (int round = 0; round < 20_000; round++) {
            // Few distinct keys with equal low bits: long probe runs, and removals inside them.
            long[] features = new long[1 + random.nextInt(8)];
            for (int j = 0; j < features.length; j++) {
                features[j] = ((long) random.nextInt(3000) << 32) | (random.nextBoolean() ? 5 : 0);
            }
            features = Arrays.stream(features).distinct().toArray();
            boolean spam = random.nextBoolean();
            boolean learn = random.nextInt(3) > 0;
            if (learn) {
                model.learn(features, spam);
            } else {
                model.unlearn(features, spam);
            }
            for (long f : features) {
                long[] c = expected.computeIfAbsent(f, k -> new long[2]);
                int k = spam ? 0 : 1;
                c[k] = Math.max(0, c[k] + (learn ? 1 : -1));
            }
        }
        expected.forEach((f, c) -> assertThat(model.counts(f)).as("feature %d", f)
                .isEqualTo(SpamModel.pack((int) c[0], (int) c[1])));
    }
}
