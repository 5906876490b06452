package io.yubin.store.s3;

import io.yubin.store.Storage;
import io.yubin.store.contract.MailboxStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link MailboxStoreContract} on SQLite metadata with bodies in S3 (S3Proxy, or MinIO in a container). */
@ExtendWith(S3ServerExtension.class)
class MixedStorageMailboxStoreContractTest extends MailboxStoreContract {

    @Override
    protected Storage openStorage(Path dir) {
        return S3Servers.mixedStorage(S3ServerExtension.s3(), "contract-mailboxes", dir);
    }
}
