package io.yubin.operator.dns;

import io.yubin.operator.crd.MailDomainStatus.RecordStatus;
import java.util.List;

/** Where a domain's records go. Blocking; called from the reconciler's thread. */
public interface DnsPublisher {

    /** What a publication left: every record with its published and managed flags, and how many changes were sent. */
    record Outcome(List<RecordStatus> records, int changes) {
    }

    /**
     * Makes DNS hold {@code desired}, and removes the records of {@code previous} that the operator
     * manages and no longer wants. Records it does not manage are never touched.
     */
    Outcome publish(List<DnsRecord> desired, List<RecordStatus> previous) throws DnsPublishException;

    /** Removes every record of {@code previous} the operator manages (on delete). */
    void remove(List<RecordStatus> previous) throws DnsPublishException;

    /** Lists the records in status and publishes nothing (provider none). */
    DnsPublisher LIST_ONLY = new DnsPublisher() {
        @Override
        public Outcome publish(List<DnsRecord> desired, List<RecordStatus> previous) {
            return new Outcome(desired.stream()
                    .map(r -> new RecordStatus(r.name(), r.type(), r.ttl(), r.value(), false, false)).toList(), 0);
        }

        @Override
        public void remove(List<RecordStatus> previous) {
        }
    };
}
