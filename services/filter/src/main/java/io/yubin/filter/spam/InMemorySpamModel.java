package io.yubin.filter.spam;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;

/**
 * A {@link SpamModel} in memory: each feature's two counts packed in one {@code long} of a
 * {@link FeatureMap}, so that a feature unlearned to zero is forgotten.
 *
 * <p>Not thread-safe: any number of readers, or one writer. {@link #toBytes()} and
 * {@link #fromBytes(byte[])} give the compact form for storage.
 */
public final class InMemorySpamModel implements SpamModel {

    /** "YSPM" and the format version. */
    private static final int MAGIC = 0x5953504d;
    private static final byte VERSION = 1;

    private FeatureMap counts;
    private long spamMessages;
    private long hamMessages;

    public InMemorySpamModel() {
        this(1 << 12);
    }

    private InMemorySpamModel(int capacity) {
        counts = new FeatureMap(capacity);
    }

    @Override
    public long spamMessages() {
        return spamMessages;
    }

    @Override
    public long hamMessages() {
        return hamMessages;
    }

    /** Distinct features with a count. */
    public int features() {
        return counts.size();
    }

    @Override
    public long counts(long feature) {
        return counts.get(feature);
    }

    @Override
    public void learn(long[] features, boolean spam) {
        for (long feature : features) {
            add(feature, spam ? 1 : 0, spam ? 0 : 1);
        }
        if (spam) {
            spamMessages++;
        } else {
            hamMessages++;
        }
    }

    @Override
    public void unlearn(long[] features, boolean spam) {
        for (long feature : features) {
            add(feature, spam ? -1 : 0, spam ? 0 : -1);
        }
        if (spam) {
            spamMessages = Math.max(0, spamMessages - 1);
        } else {
            hamMessages = Math.max(0, hamMessages - 1);
        }
    }

    /** The octets of memory the model takes (its map's arrays). */
    public long footprint() {
        return counts.footprint();
    }

    /**
     * Keeps at most {@code maxFeatures} features: those seen in the fewest messages go first (features
     * seen once are most of a model: 72 % on the corpus's development set), and among as many
     * messages, in the map's hash order, which is no order of theirs. The message totals stay.
     *
     * @return the number of features removed
     */
    public int prune(int maxFeatures) {
        int excess = features() - Math.max(0, maxFeatures);
        if (excess <= 0) {
            return 0;
        }
        long[] byMessages = new long[256];
        counts.forEach((feature, value) -> byMessages[seenIn(value)]++);
        int below = 0;
        long dropped = 0;
        while (dropped + byMessages[below] < excess) {
            dropped += byMessages[below++];
        }
        int cut = below;
        long[] atCut = {excess - dropped};
        FeatureMap kept = new FeatureMap(maxFeatures);
        counts.forEach((feature, value) -> {
            int n = seenIn(value);
            if (n < cut || n == cut && atCut[0]-- > 0) {
                return;
            }
            kept.put(feature, value);
        });
        counts = kept;
        return excess;
    }

    /** The messages a feature was seen in, 255 for 255 or more. */
    private static int seenIn(long value) {
        return (int) Math.min(255L, (long) SpamModel.spam(value) + SpamModel.ham(value));
    }

    private void add(long feature, int spamDelta, int hamDelta) {
        long value = counts.get(feature);
        counts.put(feature, SpamModel.pack(Math.max(0, SpamModel.spam(value) + spamDelta),
                Math.max(0, SpamModel.ham(value) + hamDelta)));
    }

    /**
     * The compact form: "YSPM", version 1, the two message totals and the number of features as
     * varints, then the features in ascending order (unsigned), each as the varint of its distance
     * from the previous one followed by its spam and ham counts as varints.
     */
    public byte[] toBytes() {
        long[] sorted = counts.sortedFeatures();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + sorted.length * 8);
        out.writeBytes(ByteBuffer.allocate(5).putInt(MAGIC).put(VERSION).array());
        varint(out, spamMessages);
        varint(out, hamMessages);
        varint(out, sorted.length);
        long previous = 0;
        for (long feature : sorted) {
            varint(out, feature - previous);
            previous = feature;
            long value = counts(feature);
            varint(out, SpamModel.spam(value));
            varint(out, SpamModel.ham(value));
        }
        return out.toByteArray();
    }

    /** The model {@link #toBytes()} wrote; IllegalArgumentException for anything else. */
    public static InMemorySpamModel fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (in.getInt() != MAGIC || in.get() != VERSION) {
                throw new IllegalArgumentException("not a spam model of format version " + VERSION);
            }
            long spam = varint(in);
            long ham = varint(in);
            long count = varint(in);
            if (count < 0 || count > bytes.length) {
                throw new IllegalArgumentException("corrupt spam model: " + count + " features");
            }
            InMemorySpamModel model = new InMemorySpamModel(Math.max(1 << 12, Integer.highestOneBit((int) count) * 4));
            long feature = 0;
            for (long j = 0; j < count; j++) {
                feature += varint(in);
                model.add(feature, (int) varint(in), (int) varint(in));
            }
            model.spamMessages = spam;
            model.hamMessages = ham;
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("corrupt spam model: " + in.remaining() + " octets after the end");
            }
            return model;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("corrupt spam model: truncated", e);
        }
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("corrupt spam model: varint too long");
    }
}
