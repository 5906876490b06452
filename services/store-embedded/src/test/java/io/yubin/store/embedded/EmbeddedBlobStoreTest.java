package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.BlobStoreContract;
import java.nio.file.Path;

class EmbeddedBlobStoreTest extends BlobStoreContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
