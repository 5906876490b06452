package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SpamModelInMemoryTest extends SpamModelContract {

    @Override
    SpamModel newModel() {
        return new InMemorySpamModel();
    }

    @Test
    void featuresUnlearnedToZeroAreForgotten() {
        InMemorySpamModel model = new InMemorySpamModel();
        model.learn(new long[] {0, 1, 2}, true);
        model.learn(new long[] {2}, false);
        assertThat(model.features()).isEqualTo(3);
        model.unlearn(new long[] {0, 1, 2}, true);
        assertThat(model.features()).isEqualTo(1);
        model.unlearn(new long[] {2}, false);
        assertThat(model.features()).isZero();
    }

    @Test
    void theCompactFormRoundTrips() {
        InMemorySpamModel model = new InMemorySpamModel();
        Random random = new Random(5);
        long[] all = random.longs(50_000).toArray();
        for (int i = 0; i < 200; i++) {
            int from = random.nextInt(1000) * 40;
            long[] some = Arrays.copyOfRange(all, from, from + 10_000);
            model.learn(Arrays.stream(some).distinct().toArray(), i % 3 == 0);
        }
        model.learn(new long[] {0, Long.MIN_VALUE, Long.MAX_VALUE, -1}, false);

        byte[] bytes = model.toBytes();
        InMemorySpamModel copy = InMemorySpamModel.fromBytes(bytes);

        assertThat(copy.spamMessages()).isEqualTo(model.spamMessages());
        assertThat(copy.hamMessages()).isEqualTo(model.hamMessages());
        assertThat(copy.features()).isEqualTo(model.features());
        for (long f : all) {
            assertThat(copy.counts(f)).isEqualTo(model.counts(f));
        }
        for (long f : new long[] {0, Long.MIN_VALUE, Long.MAX_VALUE, -1}) {
            assertThat(copy.counts(f)).isEqualTo(model.counts(f)).isNotZero();
        }
        assertThat(copy.toBytes()).isEqualTo(bytes);
        // Random 64-bit keys in ascending order: about 7 octets of distance, 2 of counts each.
        assertThat(bytes.length).isLessThan(model.features() * 10);
    }

    @Test
    void pruningRemovesTheFeaturesSeenInTheFewestMessagesFirstAndKeepsTheRestAsTheyWere() {
        InMemorySpamModel model = new InMemorySpamModel();
        // Features 1..1000 seen once, 1001..1500 twice, 1501..1600 five times (as spam and ham alike).
        for (long f = 1; f <= 1600; f++) {
            int times = f <= 1000 ? 1 : f <= 1500 ? 2 : 5;
            for (int t = 0; t < times; t++) {
                model.learn(new long[] {f * 0x9E3779B97F4A7C15L}, t % 2 == 0);
            }
        }
        long spam = model.spamMessages();
        long ham = model.hamMessages();

        assertThat(model.prune(2000)).as("under the limit").isZero();
        assertThat(model.prune(1100)).isEqualTo(500);

        assertThat(model.features()).isEqualTo(1100);
        int once = 0;
        for (long f = 1; f <= 1600; f++) {
            long counts = model.counts(f * 0x9E3779B97F4A7C15L);
            if (f > 1000) {
                assertThat(counts).as("seen more than once: kept as it was").isEqualTo(f <= 1500
                        ? SpamModel.pack(1, 1) : SpamModel.pack(3, 2));
            } else if (counts != 0) {
                once++;
            }
        }
        assertThat(once).isEqualTo(500);
        assertThat(model.spamMessages()).isEqualTo(spam);
        assertThat(model.hamMessages()).isEqualTo(ham);
        assertThat(InMemorySpamModel.fromBytes(model.toBytes()).features()).isEqualTo(1100);

        assertThat(model.prune(100)).isEqualTo(1000);
        for (long f = 1501; f <= 1600; f++) {
            assertThat(model.counts(f * 0x9E3779B97F4A7C15L)).isEqualTo(SpamModel.pack(3, 2));
        }
        long footprint = model.footprint();
        assertThat(footprint).as("the arrays shrink with it").isLessThanOrEqualTo(16L * 512);
    }

    @Test
    void anythingElseIsRefused() {
        byte[] bytes = new InMemorySpamModel().toBytes();
        assertThatThrownBy(() -> InMemorySpamModel.fromBytes(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemorySpamModel.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InMemorySpamModel.fromBytes(Arrays.copyOf(bytes, bytes.length + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
