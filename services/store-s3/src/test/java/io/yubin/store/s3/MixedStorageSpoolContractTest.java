package io.yubin.store.s3;

import io.yubin.store.Storage;
import io.yubin.store.contract.SpoolContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link SpoolContract} on SQLite metadata with bodies in S3 (S3Proxy, or MinIO in a container). */
@ExtendWith(S3ServerExtension.class)
class MixedStorageSpoolContractTest extends SpoolContract {

    @Override
    protected Storage openStorage(Path dir) {
        return S3Servers.mixedStorage(S3ServerExtension.s3(), "contract-spool", dir);
    }
}
