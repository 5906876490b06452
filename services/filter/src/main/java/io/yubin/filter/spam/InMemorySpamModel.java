package io.yubin.filter.spam;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import java.util.Arrays;

/**
 * A {@link SpamModel} in memory: an open-addressing hash map from a feature to its two counts,
 * in primitive arrays (no boxing; about 16 octets per feature at most half full), with linear
 * probing and backward-shift deletion so that a feature unlearned to zero leaves no tombstone.
 *
 * <p>Not thread-safe: any number of readers, or one writer. {@link #toBytes()} and
 * {@link #fromBytes(byte[])} give the compact form for storage.
 */
public final class InMemorySpamModel implements SpamModel {

    /** "YSPM" and the format version. */
    private static final int MAGIC = 0x5953504d;
    private static final byte VERSION = 1;

    private long[] keys;
    private long[] values;
    private int size;
    // The zero feature cannot be a key: 0 marks an empty slot.
    private long zeroValue;
    private long spamMessages;
    private long hamMessages;

    public InMemorySpamModel() {
        this(1 << 12);
    }

    private InMemorySpamModel(int capacity) {
        keys = new long[capacity];
        values = new long[capacity];
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
        return size + (zeroValue != 0 ? 1 : 0);
    }

    @Override
    public long counts(long feature) {
        if (feature == 0) {
            return zeroValue;
        }
        int mask = keys.length - 1;
        for (int i = slot(feature, mask); keys[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == feature) {
                return values[i];
            }
        }
        return 0;
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

    private void add(long feature, int spamDelta, int hamDelta) {
        if (feature == 0) {
            zeroValue = plus(zeroValue, spamDelta, hamDelta);
            return;
        }
        int mask = keys.length - 1;
        int i = slot(feature, mask);
        while (keys[i] != 0 && keys[i] != feature) {
            i = (i + 1) & mask;
        }
        long value = plus(keys[i] == 0 ? 0 : values[i], spamDelta, hamDelta);
        if (keys[i] == 0) {
            if (value != 0) {
                put(i, feature, value);
            }
        } else if (value == 0) {
            remove(i);
        } else {
            values[i] = value;
        }
    }

    private static long plus(long counts, int spamDelta, int hamDelta) {
        return SpamModel.pack(Math.max(0, SpamModel.spam(counts) + spamDelta),
                Math.max(0, SpamModel.ham(counts) + hamDelta));
    }

    private void put(int i, long feature, long value) {
        keys[i] = feature;
        values[i] = value;
        if (++size * 2 > keys.length) {
            resize(keys.length * 2);
        }
    }

    /** Backward-shift deletion: later entries of the probe run move up into the hole. */
    private void remove(int hole) {
        int mask = keys.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (keys[i] == 0) {
                break;
            }
            int home = slot(keys[i], mask);
            // Move the entry unless its home lies cyclically in (hole, i].
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        keys[hole] = 0;
        values[hole] = 0;
        size--;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[capacity];
        values = new long[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = slot(oldKeys[j], mask);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private static int slot(long feature, int mask) {
        // Features are already hashes; the high bits fold in so a model of other keys spreads too.
        return (int) (feature ^ (feature >>> 32)) & mask;
    }

    /**
     * The compact form: "YSPM", version 1, the two message totals and the number of features as
     * varints, then the features in ascending order (unsigned), each as the varint of its distance
     * from the previous one followed by its spam and ham counts as varints.
     */
    public byte[] toBytes() {
        long[] sorted = new long[features()];
        int n = 0;
        if (zeroValue != 0) {
            sorted[n++] = 0;
        }
        for (long key : keys) {
            if (key != 0) {
                sorted[n++] = key ^ Long.MIN_VALUE;
            }
        }
        // Sorted as signed after flipping the top bit = ascending as unsigned.
        Arrays.sort(sorted, zeroValue != 0 ? 1 : 0, n);
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + sorted.length * 8);
        out.writeBytes(ByteBuffer.allocate(5).putInt(MAGIC).put(VERSION).array());
        varint(out, spamMessages);
        varint(out, hamMessages);
        varint(out, sorted.length);
        long previous = 0;
        for (int j = 0; j < sorted.length; j++) {
            long feature = j == 0 && zeroValue != 0 ? 0 : sorted[j] ^ Long.MIN_VALUE;
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
