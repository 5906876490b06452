package io.yubin.store.cassandra;

import io.yubin.store.Storage;
import io.yubin.store.contract.DirectoryContract;
import io.yubin.store.embedded.FileBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link DirectoryContract} on Cassandra metadata with bodies as files. */
@ExtendWith(CassandraTestNode.class)
class CassandraDirectoryContractTest extends DirectoryContract {

    @Override
    protected Storage openStorage(Path dir) {
        return CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
    }
}
