package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.BlobReferencesContract;
import java.nio.file.Path;

class EmbeddedBlobReferencesTest extends BlobReferencesContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
