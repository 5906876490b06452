package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.AccountLocksContract;
import java.nio.file.Path;

class EmbeddedAccountLocksTest extends AccountLocksContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
