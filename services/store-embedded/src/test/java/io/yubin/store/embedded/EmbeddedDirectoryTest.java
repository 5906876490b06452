package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.DirectoryContract;
import java.nio.file.Path;

class EmbeddedDirectoryTest extends DirectoryContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
