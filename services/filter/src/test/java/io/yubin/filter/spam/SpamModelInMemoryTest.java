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
