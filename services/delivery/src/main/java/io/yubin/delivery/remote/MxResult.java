package io.yubin.delivery.remote;

import java.util.List;
import java.util.Objects;

/** Where mail for one domain can go: hosts to try in order, or why it cannot go anywhere. */
public sealed interface MxResult {

    /** The hosts in the order to try them; never empty. */
    record Hosts(List<MxHost> hosts) implements MxResult {
        public Hosts {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("at least one host; else a failure");
            }
        }
    }

    /**
     * The domain cannot receive mail and asking again will not change that, e.g. a null MX.
     *
     * @param reply the SMTP-style result recorded for the recipients, e.g. {@code 556 5.1.10 ...}
     */
    record PermanentFailure(String reply) implements MxResult {
        public PermanentFailure {
            Objects.requireNonNull(reply);
        }
    }

    /**
     * DNS could not tell now (timeout, SERVFAIL); the recipients are deferred.
     *
     * @param reply the SMTP-style result recorded for the recipients, e.g. {@code 451 4.4.3 ...}
     */
    record TemporaryFailure(String reply) implements MxResult {
        public TemporaryFailure {
            Objects.requireNonNull(reply);
        }
    }
}
