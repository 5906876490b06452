package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.SpamModelsContract;
import java.nio.file.Path;

class EmbeddedSpamModelsTest extends SpamModelsContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
