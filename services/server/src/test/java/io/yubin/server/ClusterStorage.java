package io.yubin.server;

import io.yubin.store.Storage;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3Options;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.s3proxy.S3Endpoint;

/**
 * The cluster backends of the server tests: one Cassandra node and one S3 endpoint, a keyspace and a
 * bucket of the same name per test, given to {@code yubin serve} through its environment and opened
 * directly by the test to check what the server stored.
 */
final class ClusterStorage {

    private ClusterStorage() {
    }

    /** Points {@code server} at the keyspace and bucket {@code name}. */
    static ServerProcess configure(ServerProcess server, CassandraNode cassandra, S3Endpoint s3, String name) {
        return server.environment("YUBIN_STORAGE_BACKEND", "cassandra")
                .environment("YUBIN_STORAGE_CASSANDRA_CONTACT_POINTS", cassandra.host() + ":" + cassandra.nativePort())
                .environment("YUBIN_STORAGE_CASSANDRA_LOCAL_DATACENTER", cassandra.localDatacenter())
                .environment("YUBIN_STORAGE_CASSANDRA_KEYSPACE", name)
                .environment("YUBIN_STORAGE_BLOBS", "s3")
                .environment("YUBIN_STORAGE_S3_ENDPOINT", s3.endpoint())
                .environment("YUBIN_STORAGE_S3_BUCKET", name)
                .environment("YUBIN_STORAGE_S3_ACCESS_KEY", s3.accessKey())
                .environment("YUBIN_STORAGE_S3_SECRET_KEY", s3.secretKey());
    }

    /** The storage the server wrote, opened by the test (closing it closes the S3 client too). */
    static Storage open(CassandraNode cassandra, S3Endpoint s3, String name) {
        return CassandraStorage.open(CassandraOptions.of(cassandra.contactPoint(), cassandra.localDatacenter(), name),
                S3BlobStore.open(new S3Options(s3.endpoint(), s3.region(), name, s3.accessKey(), s3.secretKey(), true,
                        false, S3Options.DEFAULT_MULTIPART_THRESHOLD, 1)));
    }
}
