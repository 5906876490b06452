package io.yubin.bench.imap;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The protocol errors of a run, shared by all clients: a count per kind and, for the first few of
 * each kind, the exact exchange (the commands before it and every response to the failing one).
 */
final class Findings {

    private final int keepPerKind;
    private final AtomicLongArray counts = new AtomicLongArray(Violation.Kind.values().length);
    private final Map<Violation.Kind, List<String>> examples = new EnumMap<>(Violation.Kind.class);

    Findings(int keepPerKind) {
        this.keepPerKind = keepPerKind;
    }

    /** Counts the violations; keeps the exchange (built only when wanted) as an example of each. */
    void record(List<Violation> violations, java.util.function.Supplier<String> exchange) {
        String text = null;
        for (Violation v : violations) {
            counts.incrementAndGet(v.kind().ordinal());
            synchronized (examples) {
                List<String> kept = examples.computeIfAbsent(v.kind(), k -> new ArrayList<>());
                if (kept.size() < keepPerKind) {
                    if (text == null) {
                        text = exchange.get();
                    }
                    kept.add(v.kind().label + ": " + v.detail() + "\n" + text);
                }
            }
        }
    }

    long total() {
        long t = 0;
        for (int i = 0; i < counts.length(); i++) {
            t += counts.get(i);
        }
        return t;
    }

    long count(Violation.Kind kind) {
        return counts.get(kind.ordinal());
    }

    List<String> examples(Violation.Kind kind) {
        synchronized (examples) {
            return List.copyOf(examples.getOrDefault(kind, List.of()));
        }
    }
}
