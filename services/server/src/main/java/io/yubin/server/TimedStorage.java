package io.yubin.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.yubin.store.AccountLocks;
import io.yubin.store.Administrators;
import io.yubin.store.BlobReferences;
import io.yubin.store.BlobStore;
import io.yubin.store.Directory;
import io.yubin.store.MailboxStore;
import io.yubin.store.SpamModels;
import io.yubin.store.Spool;
import io.yubin.store.Storage;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times every asynchronous call into the store SPI, whatever the backend: {@value #REQUESTS}
 * (Prometheus {@code yubin_store_requests_seconds}), tags {@code store} (directory, mailboxes, spool,
 * blobs, ...), {@code operation} (the SPI method) and {@code outcome} (success, failure). A call is timed
 * from the call to the completion of the stage it returns; calls that return no stage are not timed.
 * One mechanism for SQLite+files and Cassandra+S3 alike, so the dashboard compares them directly.
 */
final class TimedStorage {

    /** The timer's name. */
    static final String REQUESTS = "yubin.store.requests";

    private TimedStorage() {
    }

    static Storage timed(Storage s, MeterRegistry registry) {
        return new Storage(
                timed(Directory.class, "directory", s.directory(), registry),
                timed(MailboxStore.class, "mailboxes", s.mailboxes(), registry),
                timed(Spool.class, "spool", s.spool(), registry),
                timed(BlobReferences.class, "blob-references", s.blobReferences(), registry),
                timed(BlobStore.class, "blobs", s.blobs(), registry),
                timed(SpamModels.class, "spam-models", s.spamModels(), registry),
                timed(AccountLocks.class, "account-locks", s.accountLocks(), registry),
                timed(Administrators.class, "administrators", s.administrators(), registry),
                s.closer());
    }

    private static <T> T timed(Class<T> spi, String store, T target, MeterRegistry registry) {
        Map<String, Timer[]> timers = new ConcurrentHashMap<>();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, target, method, args);
            }
            if (!CompletionStage.class.isAssignableFrom(method.getReturnType())) {
                return invoke(target, method, args);
            }
            Timer[] outcomes = timers.computeIfAbsent(method.getName(), name -> new Timer[] {
                timer(registry, store, name, "success"), timer(registry, store, name, "failure")});
            long start = System.nanoTime();
            CompletionStage<?> stage;
            try {
                stage = (CompletionStage<?>) invoke(target, method, args);
            } catch (Throwable e) {
                outcomes[1].record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                throw e;
            }
            stage.whenComplete((r, failure) -> outcomes[failure == null ? 0 : 1]
                    .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
            return stage;
        };
        return spi.cast(Proxy.newProxyInstance(spi.getClassLoader(), new Class<?>[] {spi}, handler));
    }

    private static Timer timer(MeterRegistry registry, String store, String operation, String outcome) {
        return Timer.builder(REQUESTS).description("Calls into the store SPI, until the stage they return completes")
                .tag("store", store).tag("operation", operation).tag("outcome", outcome).register(registry);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Object objectMethod(Object proxy, Object target, Method method, Object[] args) throws Throwable {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> "timed " + target;
            default -> invoke(target, method, args);
        };
    }
}
