package io.yubin.store.cassandra;

import io.yubin.store.Storage;
import io.yubin.store.contract.AdministratorsContract;
import io.yubin.store.embedded.FileBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link AdministratorsContract} on Cassandra metadata (sessions that expire by TTL). */
@ExtendWith(CassandraTestNode.class)
class CassandraAdministratorsContractTest extends AdministratorsContract {

    @Override
    protected Storage openStorage(Path dir) {
        return CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
    }
}
