package io.yubin.filter.spam;

/**
 * The distinct features of one message, as 64-bit hashes: an open-addressing set of primitive longs
 * (no boxing), bounded so that one huge message cannot cost more than any other.
 */
final class FeatureSet {

    // Room for the ~1,000 features of a usual message without growing.
    private long[] slots = new long[4096];
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
        int i = slot(feature, mask);
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
        return out;
    }

    /** Features are hashes already: their bits need no more mixing. */
    private static int slot(long feature, int mask) {
        return (int) (feature ^ (feature >>> 32)) & mask;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int mask = slots.length - 1;
        for (long key : old) {
            if (key != 0) {
                int i = slot(key, mask);
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = key;
            }
        }
    }
}
