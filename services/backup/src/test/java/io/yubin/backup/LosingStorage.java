package io.yubin.backup;

import io.yubin.store.AccountLocks;
import io.yubin.store.Administrators;
import io.yubin.store.BlobReferences;
import io.yubin.store.BlobStore;
import io.yubin.store.Directory;
import io.yubin.store.MailboxStore;
import io.yubin.store.SpamModels;
import io.yubin.store.Spool;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A storage that loses its connection at one call, as a Cassandra node restarting or a reset socket
 * does to its client: the call fails UNAVAILABLE, its request lost before the backend saw it or its
 * reply lost after the backend applied it (the case a client cannot tell from the other). Calls are
 * those that return a {@link CompletionStage}, counted across all the storage's parts.
 */
final class LosingStorage {

    /** How the lost call ends. */
    enum Loss {
        /** The request is lost: nothing is applied. */
        REQUEST,
        /** The reply is lost: the call is applied, and its caller told it failed. */
        REPLY,
        /** Not a loss: the storage refuses the call (CONFLICT), which no try again would change. */
        REFUSED
    }

    private final Storage target;
    private final IntPredicate lose;
    private final Loss loss;
    final AtomicInteger calls = new AtomicInteger();
    /** The method of every call, in order. */
    final List<String> methods = new CopyOnWriteArrayList<>();

    private LosingStorage(Storage target, IntPredicate lose, Loss loss) {
        this.target = target;
        this.lose = lose;
        this.loss = loss;
    }

    /** Loses call number {@code call} (from 1); 0 loses none, to count the calls. */
    static LosingStorage losing(Storage target, int call, Loss loss) {
        return new LosingStorage(target, n -> n == call, loss);
    }

    /** Loses call number {@code call} and every one after it: a storage that stays away. */
    static LosingStorage losingFrom(Storage target, int call) {
        return new LosingStorage(target, n -> n >= call, Loss.REQUEST);
    }

    Storage storage() {
        return new Storage(wrap(Directory.class, target.directory()), wrap(MailboxStore.class, target.mailboxes()),
                wrap(Spool.class, target.spool()), wrap(BlobReferences.class, target.blobReferences()),
                wrap(BlobStore.class, target.blobs()), wrap(SpamModels.class, target.spamModels()),
                wrap(AccountLocks.class, target.accountLocks()), wrap(Administrators.class, target.administrators()),
                () -> { });
    }

    private <T> T wrap(Class<T> type, T part) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (!CompletionStage.class.isAssignableFrom(method.getReturnType())) {
                return invoke(method, part, args);
            }
            int call = calls.incrementAndGet();
            methods.add(method.getName());
            if (!lose.test(call)) {
                return invoke(method, part, args);
            }
            StoreException lost = StoreException.unavailable("Cassandra: Unexpected error on channel "
                    + "(java.net.SocketException: Connection reset) at call " + call + ", " + method.getName()
                    + ", its " + loss.name().toLowerCase(java.util.Locale.ROOT) + " lost", null);
            if (loss == Loss.REFUSED) {
                return CompletableFuture.failedFuture(StoreException.conflict(null, "refused at call " + call));
            }
            if (loss == Loss.REQUEST) {
                return CompletableFuture.failedFuture(lost);
            }
            CompletionStage<?> applied = (CompletionStage<?>) invoke(method, part, args);
            return applied.handle((value, failure) -> {
                throw lost;
            });
        }));
    }

    private static Object invoke(java.lang.reflect.Method method, Object part, Object[] args) throws Throwable {
        try {
            return method.invoke(part, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
