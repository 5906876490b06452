package io.yubin.store.embedded;

import io.yubin.store.Storage;
import io.yubin.store.contract.MailboxStoreContract;
import java.nio.file.Path;

class EmbeddedMailboxStoreTest extends MailboxStoreContract {

    @Override
    protected Storage openStorage(Path dir) {
        return EmbeddedStorage.open(dir);
    }
}
