package io.yubin.filter.spam;

import java.util.Arrays;

/**
 * An open-addressing hash map from a feature to a {@code long}, in primitive arrays (no boxing; about
 * 16 octets per feature at most half full), with linear probing and backward-shift deletion so that a
 * value set back to 0 leaves no tombstone. A value of 0 is an absent feature. Not thread-safe: any
 * number of readers, or one writer.
 */
final class FeatureMap {

    private long[] keys;
    private long[] values;
    private int size;
    // The zero feature cannot be a key: 0 marks an empty slot.
    private long zeroValue;

    FeatureMap(int capacity) {
        keys = new long[Integer.highestOneBit(Math.max(16, capacity - 1) * 2 - 1)];
        values = new long[keys.length];
    }

    /** Features with a value other than 0. */
    int size() {
        return size + (zeroValue != 0 ? 1 : 0);
    }

    long get(long feature) {
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

    /** Sets the feature's value; 0 removes it. */
    void put(long feature, long value) {
        if (feature == 0) {
            zeroValue = value;
            return;
        }
        int mask = keys.length - 1;
        int i = slot(feature, mask);
        while (keys[i] != 0 && keys[i] != feature) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            if (value != 0) {
                keys[i] = feature;
                values[i] = value;
                if (++size * 2 > keys.length) {
                    resize(keys.length * 2);
                }
            }
        } else if (value == 0) {
            remove(i);
        } else {
            values[i] = value;
        }
    }

    /** The features with a value, in ascending order as unsigned numbers. */
    long[] sortedFeatures() {
        long[] sorted = new long[size()];
        int n = 0;
        if (zeroValue != 0) {
            sorted[n++] = 0;
        }
        int from = n;
        for (long key : keys) {
            if (key != 0) {
                sorted[n++] = key ^ Long.MIN_VALUE;
            }
        }
        // Sorted as signed after flipping the top bit = ascending as unsigned.
        Arrays.sort(sorted, from, n);
        for (int j = from; j < n; j++) {
            sorted[j] ^= Long.MIN_VALUE;
        }
        return sorted;
    }

    /** The octets the map's arrays take (its slots, 16 octets each). */
    long footprint() {
        return 16L * keys.length;
    }

    /** Calls {@code visitor} with every feature and its value, in slot order (a hash order). */
    void forEach(Visitor visitor) {
        if (zeroValue != 0) {
            visitor.visit(0, zeroValue);
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                visitor.visit(keys[i], values[i]);
            }
        }
    }

    interface Visitor {
        void visit(long feature, long value);
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
        // Features are already hashes; the high bits fold in so a map of other keys spreads too.
        return (int) (feature ^ (feature >>> 32)) & mask;
    }
}
