package io.yubin.filter.spam;

import java.util.Arrays;

/**
 * The distinct features of one message, as 64-bit hashes: an open-addressing set of primitive longs
 * (no boxing), bounded so that one huge message cannot cost more than any other.
 */
final class FeatureSet {

    private long[] slots = new long[1024];
    private int size;
    private boolean hasZero;
    private final int limit;

    FeatureSet(int limit) {
        this.limit = limit;
    }

    /** Adds a feature; false once the limit is reached, so the caller can stop producing. */
    boolean add(long feature) {
        if (size >= limit) {
            return false;
        }
        if (feature == 0) {
            if (!hasZero) {
                hasZero = true;
                size++;
            }
            return true;
        }
        int mask = slots.length - 1;
        int i = (int) FeatureHash.mix(feature) & mask;
        while (slots[i] != 0) {
            if (slots[i] == feature) {
                return true;
            }
            i = (i + 1) & mask;
        }
        slots[i] = feature;
        size++;
        if (size * 2 > slots.length) {
            grow();
        }
        return true;
    }

    boolean full() {
        return size >= limit;
    }

    int size() {
        return size;
    }

    long[] toArray() {
        long[] out = new long[size];
        int n = 0;
        if (hasZero) {
            out[n++] = 0;
        }
        for (long slot : slots) {
            if (slot != 0) {
                out[n++] = slot;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int mask = slots.length - 1;
        for (long key : old) {
            if (key != 0) {
                int i = (int) FeatureHash.mix(key) & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = key;
            }
        }
    }
}
