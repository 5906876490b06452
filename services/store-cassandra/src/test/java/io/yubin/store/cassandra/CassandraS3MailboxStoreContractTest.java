package io.yubin.store.cassandra;

import io.yubin.store.Storage;
import io.yubin.store.contract.MailboxStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@link MailboxStoreContract} on Cassandra metadata with bodies in S3 (S3Proxy, or MinIO in a container): the cluster pair. */
@ExtendWith({CassandraTestNode.class, S3TestServer.class})
class CassandraS3MailboxStoreContractTest extends MailboxStoreContract {

    @Override
    protected Storage openStorage(Path dir) {
        return CassandraTestNode.open(dir, S3TestServer.blobs("contract-mailboxstore"));
    }
}
