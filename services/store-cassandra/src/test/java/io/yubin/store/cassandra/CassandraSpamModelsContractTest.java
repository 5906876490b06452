package io.yubin.store.cassandra;

import io.yubin.store.Storage;
import io.yubin.store.contract.SpamModelsContract;
import io.yubin.store.embedded.FileBlobStore;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link SpamModelsContract} on Cassandra metadata (lightweight transactions for the versions). */
@ExtendWith(CassandraTestNode.class)
class CassandraSpamModelsContractTest extends SpamModelsContract {

    @Override
    protected Storage openStorage(Path dir) {
        return CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
    }
}
