package io.yubin.store.cassandra;

import io.yubin.store.Storage;
import io.yubin.store.contract.AccountLocksContract;
import io.yubin.store.embedded.FileBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link AccountLocksContract} on Cassandra metadata (rows that expire by TTL). */
@ExtendWith(CassandraTestNode.class)
class CassandraAccountLocksContractTest extends AccountLocksContract {

    @Override
    protected Storage openStorage(Path dir) {
        return CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
    }
}
