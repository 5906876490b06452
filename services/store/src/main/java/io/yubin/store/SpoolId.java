package io.yubin.store;

import io.yubin.model.Ids;

/** The identity of one accepted message; time-ordered, so the spool lists oldest first. */
public record SpoolId(String value) implements Comparable<SpoolId> {

    public static SpoolId next() {
        return new SpoolId(Ids.timeOrdered());
    }

    @Override
    public int compareTo(SpoolId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
