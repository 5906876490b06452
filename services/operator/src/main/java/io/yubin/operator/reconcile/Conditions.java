package io.yubin.operator.reconcile;

import io.yubin.operator.crd.MailDomainStatus.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The conditions of one reconcile, in the Kubernetes convention: a condition keeps its
 * lastTransitionTime while its status stays the same.
 */
final class Conditions {

    static final String DKIM_KEY_READY = "DkimKeyReady";
    static final String DNS_PUBLISHED = "DnsPublished";
    static final String CERTIFICATE_READY = "CertificateReady";
    static final String DOMAIN_REGISTERED = "DomainRegistered";
    static final String READY = "Ready";
    /** The order of status.conditions. */
    static final List<String> TYPES = List.of(DKIM_KEY_READY, DNS_PUBLISHED, CERTIFICATE_READY, DOMAIN_REGISTERED, READY);

    private final List<Condition> previous;
    private final Long generation;
    private final Clock clock;
    private final Map<String, Condition> current = new LinkedHashMap<>();

    Conditions(List<Condition> previous, Long generation, Clock clock) {
        this.previous = previous;
        this.generation = generation;
        this.clock = clock;
    }

    void set(String type, boolean status, String reason, String message) {
        set(type, status ? "True" : "False", reason, message);
    }

    void set(String type, String status, String reason, String message) {
        Condition before = previous(type);
        String since = before != null && before.status().equals(status) && before.lastTransitionTime() != null
                ? before.lastTransitionTime()
                : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        current.put(type, new Condition(type, status, reason, message, generation, since));
    }

    Condition get(String type) {
        return current.get(type);
    }

    /** Sets Ready from the four others: True when all are, else the first one that is not. */
    void summarize() {
        for (String type : TYPES) {
            if (type.equals(READY)) {
                break;
            }
            Condition c = current.get(type);
            if (c == null || !c.isTrue()) {
                set(READY, false, c == null ? "Pending" : c.reason(),
                        c == null ? type + " was not checked" : type + ": " + c.message());
                return;
            }
        }
        set(READY, true, "Ready", "DKIM key, DNS records, certificate and registration are in place");
    }

    /** Conditions whose status changed in this reconcile (for events). */
    List<Condition> transitions() {
        List<Condition> changed = new ArrayList<>();
        for (Condition c : current.values()) {
            Condition before = previous(c.type());
            if (before == null || !before.status().equals(c.status()) || !Objects.equals(before.reason(), c.reason())) {
                changed.add(c);
            }
        }
        return changed;
    }

    List<Condition> list() {
        List<Condition> out = new ArrayList<>();
        for (String type : TYPES) {
            Condition c = current.get(type);
            if (c == null) {
                c = previous(type);
            }
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    private Condition previous(String type) {
        for (Condition c : previous) {
            if (c.type().equals(type)) {
                return c;
            }
        }
        return null;
    }
}
