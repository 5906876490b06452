package io.yubin.smtp;

import io.vertx.core.Vertx;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.Accounts;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The server as its own process for {@link LargeMessageTest}: an MX listener over an embedded store
 * in {@code args[0]}; writes its port to {@code args[1]} and runs until killed.
 */
public final class LargeMessageServerMain {

    private LargeMessageServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Storage storage = EmbeddedStorage.open(Path.of(args[0]));
        Accounts accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        accounts.addDomain(Domain.parse("example.org")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        accounts.addUser(MailAddress.parse("bob@example.org"), TestServer.PASSWORD.toCharArray(), QuotaLimits.NONE)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        Vertx vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        SmtpServer server = SmtpServer.start(vertx, new SmtpServer.Options("mx.example.org", "127.0.0.1", 0, -1, -1,
                null, false, SmtpLimits.defaults()), storage, accounts, new TestServer.MemoryQueue())
                .await(30, TimeUnit.SECONDS);
        Path portFile = Path.of(args[1]);
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(server.actualPort(SmtpServer.Mode.MX)), StandardCharsets.US_ASCII);
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }
}
