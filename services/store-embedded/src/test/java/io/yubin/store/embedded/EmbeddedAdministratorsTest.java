package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.AdministratorsContract;
import java.nio.file.Path;

class EmbeddedAdministratorsTest extends AdministratorsContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
