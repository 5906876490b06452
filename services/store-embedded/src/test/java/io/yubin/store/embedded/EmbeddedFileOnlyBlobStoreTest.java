package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.BlobStoreContract;
import java.nio.file.Path;

/** The blob contract with every body in a file of its own (no inline bodies). */
class EmbeddedFileOnlyBlobStoreTest extends BlobStoreContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir, new EmbeddedStorage.Options(4, 4, 10_000, 0));
    }
}
