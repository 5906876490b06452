package io.yubin.store.cassandra;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to reach Cassandra and how to use it.
 *
 * @param contactPoints some nodes of the cluster ({@code host:port})
 * @param localDatacenter the data centre this server runs in (LOCAL_* consistency levels refer to it)
 * @param keyspace the keyspace holding Yubin's tables
 * @param consistency the consistency level of reads and writes (LOCAL_QUORUM by default)
 * @param serialConsistency the consistency level of lightweight transactions (LOCAL_SERIAL)
 * @param replication the keyspace's replication map in CQL, used only when the keyspace is created
 * @param username null for no authentication
 * @param password with username
 * @param requestTimeout how long one request may take before it fails as unavailable
 * @param migrate create the keyspace and apply the schema migrations on open
 */
public record CassandraOptions(List<InetSocketAddress> contactPoints, String localDatacenter, String keyspace,
        String consistency, String serialConsistency, String replication, String username, String password,
        Duration requestTimeout, boolean migrate) {

    public static final String DEFAULT_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    public CassandraOptions {
        contactPoints = List.copyOf(contactPoints);
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException("at least one Cassandra contact point is needed");
        }
        Objects.requireNonNull(localDatacenter, "localDatacenter");
        if (keyspace == null || !keyspace.matches("[a-zA-Z][a-zA-Z0-9_]{0,47}")) {
            throw new IllegalArgumentException("keyspace must be a CQL identifier (letters, digits, _): " + keyspace);
        }
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(serialConsistency, "serialConsistency");
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** One node, the defaults for everything else: for tests and single-node trials. */
    public static CassandraOptions of(InetSocketAddress contactPoint, String localDatacenter, String keyspace) {
        return new CassandraOptions(List.of(contactPoint), localDatacenter, keyspace, "LOCAL_QUORUM", "LOCAL_SERIAL",
                DEFAULT_REPLICATION, null, null, Duration.ofSeconds(5), true);
    }

    public CassandraOptions withRequestTimeout(Duration timeout) {
        return new CassandraOptions(contactPoints, localDatacenter, keyspace, consistency, serialConsistency,
                replication, username, password, timeout, migrate);
    }

    /** Never print the password. */
    @Override
    public String toString() {
        return "CassandraOptions[" + contactPoints + ", dc=" + localDatacenter + ", keyspace=" + keyspace
                + ", consistency=" + consistency + "/" + serialConsistency + "]";
    }
}
