package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.SpoolContract;
import java.nio.file.Path;

class EmbeddedSpoolTest extends SpoolContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
