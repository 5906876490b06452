package io.yubin.mailauth.dkim;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Fetches the TXT records that hold DKIM keys. It tells "no such record" (a permanent answer)
 * apart from "could not ask" (a temporary one), which the results keep apart (RFC 6376 §6.1.2).
 */
@FunctionalInterface
public interface DkimKeyLookup {

    /**
     * The TXT records at {@code name} ({@code selector._domainkey.domain}, A-labels, no final dot).
     * A stage that fails counts as a temporary failure.
     */
    CompletionStage<Answer> txt(String name);

    /** What the lookup found. */
    sealed interface Answer {
    }

    /** The TXT records, each with its strings joined without separator (RFC 6376 §3.6.2.2). */
    record Records(List<String> texts) implements Answer {
        public Records {
            texts = List.copyOf(texts);
        }
    }

    /** The name does not exist or holds no TXT record. */
    record NoRecord() implements Answer {
    }

    /** The lookup failed in a way that may pass: a timeout, SERVFAIL. */
    record TemporaryFailure(String reason) implements Answer {
    }
}
