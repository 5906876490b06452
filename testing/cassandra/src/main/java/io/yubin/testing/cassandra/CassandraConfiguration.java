package io.yubin.testing.cassandra;

/** The {@code cassandra.yaml} of a test node, the same for a process and a container but for addresses, ports and paths. */
final class CassandraConfiguration {

    private CassandraConfiguration() {
    }

    /**
     * @param listenAddress storage (gossip) address, also the seed
     * @param rpcAddress the CQL listen address; {@code 0.0.0.0} needs {@code broadcastRpcAddress}
     * @param broadcastRpcAddress the CQL address the node announces, or {@code null} for {@code rpcAddress}
     * @param root the directory for data, commit log, caches, hints
     */
    static String yaml(String listenAddress, String rpcAddress, String broadcastRpcAddress, int storagePort,
            int sslStoragePort, int nativePort, String root) {
        return String.join("\n",
                "cluster_name: yubin-test",
                "num_tokens: 1",
                "initial_token: 0",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                // A write is acknowledged only after its commit log fsync, so kill() loses nothing
                // acknowledged: what the fault tests check (periodic sync would lose up to 10 s).
                "commitlog_sync: batch",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"" + listenAddress + ":" + storagePort + "\"",
                "listen_address: " + listenAddress,
                "rpc_address: " + rpcAddress,
                broadcastRpcAddress == null ? "" : "broadcast_rpc_address: " + broadcastRpcAddress,
                "storage_port: " + storagePort,
                "ssl_storage_port: " + sslStoragePort,
                "native_transport_port: " + nativePort,
                "start_native_transport: true",
                "data_file_directories: [" + quoted(root + "/data") + "]",
                "commitlog_directory: " + quoted(root + "/commitlog"),
                "saved_caches_directory: " + quoted(root + "/saved_caches"),
                "hints_directory: " + quoted(root + "/hints"),
                "cdc_raw_directory: " + quoted(root + "/cdc_raw"),
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                // TRUNCATE and DROP would otherwise snapshot every table first
                "auto_snapshot: false",
                "snapshot_before_compaction: false",
                "cas_contention_timeout: 5000ms",
                "write_request_timeout: 5000ms",
                "read_request_timeout: 5000ms",
                "truncate_request_timeout: 60000ms",
                "");
    }

    /** A YAML single-quoted scalar, so a temporary directory's name cannot break the file. */
    private static String quoted(String path) {
        return "'" + path.replace("'", "''") + "'";
    }
}
