package io.yubin.operator;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How the operator runs: what it watches, how it reaches the admin API, and its leader election.
 *
 * @param namespace the namespace watched; null watches every namespace
 * @param adminUrl the admin API of the mail cluster; null leaves domains unregistered (DomainRegistered False)
 * @param adminTokenSecret the Secret, in each MailDomain's namespace, holding the admin API token
 * @param adminTokenKey the key of the token in that Secret
 * @param dnsTimeout how long a DNS server may take to answer one message
 * @param leaseNamespace, leaseName the Lease of the leader election
 * @param identity this replica's name in the Lease (the pod name)
 */
public record OperatorSettings(String namespace, URI adminUrl, String adminTokenSecret, String adminTokenKey,
        Duration dnsTimeout, String leaseNamespace, String leaseName, String identity, Duration leaseDuration,
        Duration renewDeadline, Duration retryPeriod) {

    public static final String DEFAULT_ADMIN_TOKEN_SECRET = "yubin-admin-token";
    public static final String DEFAULT_ADMIN_TOKEN_KEY = "token";
    public static final String DEFAULT_LEASE_NAME = "yubin-operator";

    public OperatorSettings {
        Objects.requireNonNull(adminTokenSecret);
        Objects.requireNonNull(adminTokenKey);
        Objects.requireNonNull(dnsTimeout);
        Objects.requireNonNull(leaseName);
        Objects.requireNonNull(identity);
        Objects.requireNonNull(leaseDuration);
        Objects.requireNonNull(renewDeadline);
        Objects.requireNonNull(retryPeriod);
    }

    /** The defaults, with the given watched namespace, admin API and identity. */
    public static OperatorSettings defaults(String namespace, URI adminUrl, String identity) {
        return new OperatorSettings(namespace, adminUrl, DEFAULT_ADMIN_TOKEN_SECRET, DEFAULT_ADMIN_TOKEN_KEY,
                Duration.ofSeconds(5), namespace, DEFAULT_LEASE_NAME, identity, Duration.ofSeconds(15),
                Duration.ofSeconds(10), Duration.ofSeconds(2));
    }

    public OperatorSettings withDnsTimeout(Duration timeout) {
        return new OperatorSettings(namespace, adminUrl, adminTokenSecret, adminTokenKey, timeout, leaseNamespace,
                leaseName, identity, leaseDuration, renewDeadline, retryPeriod);
    }

    public OperatorSettings withLease(String leaseNamespace, String leaseName, String identity, Duration leaseDuration,
            Duration renewDeadline, Duration retryPeriod) {
        return new OperatorSettings(namespace, adminUrl, adminTokenSecret, adminTokenKey, dnsTimeout, leaseNamespace,
                leaseName, identity, leaseDuration, renewDeadline, retryPeriod);
    }
}
