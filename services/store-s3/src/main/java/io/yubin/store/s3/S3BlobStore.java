package io.yubin.store.s3;

import com.google.common.collect.HashMultimap;
import com.google.common.collect.Multimap;
import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.Directive;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.credentials.AwsEnvironmentProvider;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;
import io.minio.messages.Part;
import io.yubin.model.Ids;
import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Message bodies in an S3 bucket (docs/architecture.md §2, cluster deployment), through the MinIO SDK.
 *
 * <p>Key layout: a body is {@code blobs/<id>} with its SHA-256 (lower-case hex) in the user metadata
 * {@code x-amz-meta-yubin-sha256}. A body above the multipart threshold is first uploaded in parts to
 * {@code incoming/<id>} (the hash is only known at the end, and S3 takes metadata when an upload
 * starts), then copied server-side to {@code blobs/<id>} with its hash, and {@code incoming/<id>}
 * removed. So a {@code blobs/} object always carries its hash; anything left in {@code incoming/}
 * by a crash is removed by {@link S3OrphanSweeper}.
 *
 * <p>Every blocking SDK call runs on this store's own executor ({@code yubin-s3-io}); the returned
 * futures complete there, never on a caller's thread. Failed requests (network errors, timeouts,
 * 5xx, throttling) are retried {@link S3Options#maxRetries()} times with exponential backoff, then
 * fail with {@link StoreException.Kind#UNAVAILABLE}. A whole-body read checks the SHA-256 at the end
 * of the stream and throws an IOException on a mismatch; a ranged read cannot be checked.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {

    static final String BLOB_PREFIX = "blobs/";
    static final String INCOMING_PREFIX = "incoming/";
    /** User metadata key; on the wire {@code x-amz-meta-yubin-sha256}. */
    static final String SHA256_METADATA = "yubin-sha256";
    static final String SHA256_HEADER = "x-amz-meta-" + SHA256_METADATA;

    private static final Logger LOG = LoggerFactory.getLogger(S3BlobStore.class);
    private static final int THREADS = 16;
    private static final long BACKOFF_BASE_MILLIS = 100;
    private static final long BACKOFF_CAP_MILLIS = 5_000;
    private static final Set<String> RETRYABLE_CODES =
            Set.of("InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "Throttling");
    private static final Set<String> NOT_FOUND_CODES = Set.of("NoSuchKey", "NoSuchObject", "NotFound");

    private final S3Options options;
    private final OkHttpClient http;
    private final MinioAsyncClient client;
    private final ExecutorService io;

    private S3BlobStore(S3Options options, OkHttpClient http) {
        this.options = options;
        this.http = http;
        MinioAsyncClient.Builder builder = MinioAsyncClient.builder()
                .endpoint(options.endpoint())
                .region(options.region())
                .httpClient(http);
        if (options.hasStaticCredentials()) {
            builder.credentials(options.accessKey(), options.secretKey());
        } else {
            builder.credentialsProvider(new AwsEnvironmentProvider());
        }
        this.client = builder.build();
        if (options.pathStyle()) {
            client.disableVirtualStyleEndpoint();
        } else {
            client.enableVirtualStyleEndpoint();
        }
        AtomicInteger n = new AtomicInteger();
        this.io = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "yubin-s3-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects and checks the bucket, creating it when {@link S3Options#createBucket()} allows. Blocks
     * (with retries): call it at start-up, not on an event loop.
     *
     * @throws StoreException UNAVAILABLE when S3 cannot be reached or the bucket is missing
     */
    public static S3BlobStore open(S3Options options) {
        return open(options, defaultHttpClient());
    }

    /** As {@link #open(S3Options)} with a caller's OkHttp client (custom DNS, TLS or timeouts). */
    public static S3BlobStore open(S3Options options, OkHttpClient http) {
        S3BlobStore store = new S3BlobStore(options, http);
        try {
            store.ensureBucket();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    static OkHttpClient defaultHttpClient() {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(4 * THREADS);
        dispatcher.setMaxRequestsPerHost(4 * THREADS);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectTimeout(Duration.ofSeconds(10))
                .writeTimeout(Duration.ofSeconds(60))
                .readTimeout(Duration.ofSeconds(60))
                .build();
    }

    private void ensureBucket() {
        String bucket = options.bucket();
        boolean exists = call("check bucket " + bucket,
                () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()).get());
        if (exists) {
            return;
        }
        if (!options.createBucket()) {
            throw StoreException.unavailable("bucket " + bucket + " does not exist and creating it is off", null);
        }
        LOG.info("creating bucket {} in {}", bucket, options.region());
        try {
            call("create bucket " + bucket, () -> client.makeBucket(
                    MakeBucketArgs.builder().bucket(bucket).region(options.region()).build()).get());
        } catch (StoreException e) {
            // another pod may have created it at the same moment
            if (!call("check bucket " + bucket,
                    () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()).get())) {
                throw e;
            }
        }
    }

    public S3Options options() {
        return options;
    }

    static String key(BlobId id) {
        return BLOB_PREFIX + id.value();
    }

    // ---- BlobStore

    @Override
    public CompletionStage<StoredBlob> put(InputStream content) {
        return run(() -> {
            try (InputStream in = content) {
                return upload(in);
            }
        });
    }

    private StoredBlob upload(InputStream in) throws IOException {
        BlobId id = new BlobId(Ids.timeOrdered());
        MessageDigest sha256 = sha256();
        byte[] buffer = new byte[(int) options.multipartThreshold()];
        int n = in.readNBytes(buffer, 0, buffer.length);
        sha256.update(buffer, 0, n);
        int next = n == buffer.length ? in.read() : -1;
        if (next < 0) {
            String hex = HexFormat.of().formatHex(sha256.digest());
            putSmall(key(id), buffer, n, hex);
            return new StoredBlob(id, n, hex);
        }
        return putMultipart(id, in, buffer, next, sha256);
    }

    private void putSmall(String key, byte[] body, int length, String sha256) {
        call("put " + key, () -> client.putObject(PutObjectArgs.builder()
                .bucket(options.bucket())
                .object(key)
                .stream(new ByteArrayInputStream(body, 0, length), length, Math.max(length, S3Options.MIN_PART_SIZE))
                .contentType("application/octet-stream")
                .userMetadata(Map.of(SHA256_METADATA, sha256))
                .build()).get());
    }

    /**
     * Uploads {@code buffer} (full) as part 1, then the rest of {@code in} starting with the byte
     * {@code next}, one buffer at a time, to {@code incoming/<id>}; then copies it to its final key
     * with its hash.
     */
    private StoredBlob putMultipart(BlobId id, InputStream in, byte[] buffer, int next, MessageDigest sha256)
            throws IOException {
        String bucket = options.bucket();
        String incoming = INCOMING_PREFIX + id.value();
        Multimap<String, String> headers = HashMultimap.create();
        headers.put("Content-Type", "application/octet-stream");
        String uploadId = call("start upload " + incoming, () -> client.createMultipartUploadAsync(
                bucket, options.region(), incoming, headers, null).get()).result().uploadId();
        List<Part> parts = new ArrayList<>();
        long size = 0;
        try {
            int length = buffer.length;
            int pending = next;
            while (true) {
                int number = parts.size() + 1;
                int partLength = length;
                String etag = call("upload part " + number + " of " + incoming, () -> client.uploadPartAsync(
                        bucket, options.region(), incoming, buffer, (long) partLength, uploadId, number, null, null)
                        .get()).etag();
                parts.add(new Part(number, etag));
                size += length;
                if (pending < 0) {
                    break;
                }
                buffer[0] = (byte) pending;
                length = 1 + in.readNBytes(buffer, 1, buffer.length - 1);
                sha256.update(buffer, 0, length);
                pending = length == buffer.length ? in.read() : -1;
            }
            Part[] all = parts.toArray(Part[]::new);
            call("complete upload " + incoming, () -> client.completeMultipartUploadAsync(
                    bucket, options.region(), incoming, uploadId, all, null, null).get());
        } catch (IOException | RuntimeException e) {
            abort(incoming, uploadId, e);
            throw e;
        }
        String hex = HexFormat.of().formatHex(sha256.digest());
        String key = key(id);
        call("copy " + incoming + " to " + key, () -> client.copyObject(CopyObjectArgs.builder()
                .bucket(bucket)
                .object(key)
                .source(CopySource.builder().bucket(bucket).object(incoming).build())
                .userMetadata(Map.of(SHA256_METADATA, hex))
                .metadataDirective(Directive.REPLACE)
                .build()).get());
        try {
            deleteKey(incoming);
        } catch (StoreException e) {
            LOG.warn("could not remove {} (the orphan sweeper will): {}", incoming, e.getMessage());
        }
        return new StoredBlob(id, size, hex);
    }

    /**
     * Streams an object of unknown length to {@code key} in this store's bucket, one multipart part
     * per {@link S3Options#MIN_PART_SIZE} octets held in memory: what {@code yubin backup create}
     * writes an archive with. The object appears only when {@link ObjectUpload#finish()} completes it;
     * closing the upload without finishing it aborts it, leaving nothing under the key.
     */
    public ObjectUpload putObject(String key) {
        Multimap<String, String> headers = HashMultimap.create();
        headers.put("Content-Type", "application/octet-stream");
        String uploadId = call("start upload " + key, () -> client.createMultipartUploadAsync(
                options.bucket(), options.region(), key, headers, null).get()).result().uploadId();
        return new ObjectUpload(key, uploadId);
    }

    /** Reads a whole object of this store's bucket; NOT_FOUND when there is none under {@code key}. */
    public InputStream getObject(String key) {
        return call("get " + key, () -> client.getObject(
                GetObjectArgs.builder().bucket(options.bucket()).object(key).build()).get());
    }

    /** See {@link #putObject}. Not thread-safe. */
    public final class ObjectUpload extends java.io.OutputStream {
        private final String key;
        private final String uploadId;
        private final byte[] buffer = new byte[(int) S3Options.MIN_PART_SIZE];
        private final List<Part> parts = new ArrayList<>();
        private int length;
        private boolean done;

        private ObjectUpload(String key, String uploadId) {
            this.key = key;
            this.uploadId = uploadId;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (done) {
                throw new IOException("upload of " + key + " is over");
            }
            while (len > 0) {
                int n = Math.min(len, buffer.length - length);
                System.arraycopy(b, off, buffer, length, n);
                length += n;
                off += n;
                len -= n;
                if (length == buffer.length) {
                    uploadPart();
                }
            }
        }

        private void uploadPart() throws IOException {
            int number = parts.size() + 1;
            int partLength = length;
            try {
                String etag = call("upload part " + number + " of " + key, () -> client.uploadPartAsync(
                        options.bucket(), options.region(), key, buffer, (long) partLength, uploadId, number, null,
                        null).get()).etag();
                parts.add(new Part(number, etag));
                length = 0;
            } catch (StoreException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        /** Uploads the last part and makes the object appear. */
        public void finish() throws IOException {
            if (length > 0 || parts.isEmpty()) {
                uploadPart();
            }
            Part[] all = parts.toArray(Part[]::new);
            try {
                call("complete upload " + key, () -> client.completeMultipartUploadAsync(
                        options.bucket(), options.region(), key, uploadId, all, null, null).get());
            } catch (StoreException e) {
                throw new IOException(e.getMessage(), e);
            }
            done = true;
        }

        /** Aborts the upload unless {@link #finish()} completed it. */
        @Override
        public void close() {
            if (!done) {
                done = true;
                abort(key, uploadId, new IOException("upload of " + key + " abandoned"));
            }
        }
    }

    private void abort(String key, String uploadId, Exception cause) {
        try {
            call("abort upload " + key, () -> client.abortMultipartUploadAsync(
                    options.bucket(), options.region(), key, uploadId, null, null).get());
        } catch (StoreException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public CompletionStage<InputStream> get(BlobId id) {
        return run(() -> {
            GetObjectResponse response = call("get " + key(id), () -> client.getObject(
                    GetObjectArgs.builder().bucket(options.bucket()).object(key(id)).build()).get());
            return new VerifyingInputStream(response, response.headers().get(SHA256_HEADER), key(id));
        });
    }

    /** A range cannot be checked against the SHA-256 of the whole body. */
    @Override
    public CompletionStage<InputStream> get(BlobId id, long offset, long length) {
        if (offset < 0 || length < 0) {
            return CompletableFuture.failedFuture(StoreException.invalid("range", "negative offset or length"));
        }
        return run(() -> {
            String key = key(id);
            if (length == 0) {
                stat(key);
                return InputStream.nullInputStream();
            }
            try {
                return call("get " + key + " range", () -> client.getObject(GetObjectArgs.builder()
                        .bucket(options.bucket()).object(key).offset(offset).length(length).build()).get());
            } catch (StoreException e) {
                // RFC 9110 §15.5.17: 416 when the range starts at or past the end (S3: InvalidRange).
                if (e.getCause() instanceof ErrorResponseException r && "InvalidRange".equals(r.errorResponse().code())) {
                    return InputStream.nullInputStream();
                }
                throw e;
            }
        });
    }

    @Override
    public CompletionStage<Boolean> exists(BlobId id) {
        return run(() -> {
            try {
                stat(key(id));
                return true;
            } catch (StoreException e) {
                if (e.kind() == StoreException.Kind.NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public CompletionStage<Void> delete(BlobId id) {
        return run(() -> {
            deleteKey(key(id));
            return null;
        });
    }

    private void stat(String key) {
        call("stat " + key, () -> client.statObject(
                StatObjectArgs.builder().bucket(options.bucket()).object(key).build()).get());
    }

    // ---- listing, for the orphan sweeper

    /** One listed object. */
    record Listed(String key, Instant lastModified) {
    }

    /** Up to {@code limit} (at most 1000) objects under {@code prefix}, in key order, after {@code startAfter}. */
    CompletionStage<List<Listed>> list(String prefix, String startAfter, int limit) {
        int max = Math.max(1, Math.min(limit, 1000));
        return run(() -> call("list " + prefix, () -> {
            ListObjectsArgs.Builder args = ListObjectsArgs.builder().bucket(options.bucket()).prefix(prefix)
                    .recursive(true).maxKeys(max);
            if (startAfter != null) {
                args.startAfter(startAfter);
            }
            List<Listed> page = new ArrayList<>();
            for (Result<Item> result : client.listObjects(args.build())) {
                Item item = result.get();
                page.add(new Listed(item.objectName(), item.lastModified().toInstant()));
                if (page.size() == max) {
                    break;
                }
            }
            return page;
        }));
    }

    /** Deletes any object of this store by key; a missing one is fine (S3 DELETE is idempotent). */
    CompletionStage<Void> deleteObject(String key) {
        return run(() -> {
            deleteKey(key);
            return null;
        });
    }

    private void deleteKey(String key) {
        call("delete " + key, () -> client.removeObject(
                RemoveObjectArgs.builder().bucket(options.bucket()).object(key).build()).get());
    }

    // ---- execution, retries, failure mapping

    @FunctionalInterface
    private interface SdkCall<T> {
        T run() throws Exception;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws IOException;
    }

    private <T> CompletableFuture<T> run(Work<T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    future.complete(work.run());
                } catch (IOException e) {
                    future.completeExceptionally(StoreException.unavailable("S3 I/O failed: " + e.getMessage(), e));
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(StoreException.unavailable("S3 blob store is closed", e));
        }
        return future;
    }

    /**
     * One S3 request, retried with exponential backoff and jitter while the failure is transient.
     * NOT_FOUND is answered at once; anything else ends as UNAVAILABLE.
     */
    private <T> T call(String what, SdkCall<T> call) {
        for (int attempt = 0; ; attempt++) {
            Throwable failure;
            try {
                return call.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw StoreException.unavailable(what + ": interrupted", e);
            } catch (Exception e) {
                failure = unwrap(e);
            }
            if (isNotFound(failure)) {
                throw StoreException.notFound("blob", what + ": not found");
            }
            if (!isTransient(failure) || attempt >= options.maxRetries()) {
                throw StoreException.unavailable(what + " failed after " + (attempt + 1) + " attempt(s): " + failure,
                        failure);
            }
            long delay = Math.min(BACKOFF_CAP_MILLIS, BACKOFF_BASE_MILLIS << attempt);
            delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
            LOG.debug("{} failed ({}); retry {} of {} in {} ms", what, failure, attempt + 1, options.maxRetries(), delay);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw StoreException.unavailable(what + ": interrupted", e);
            }
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static boolean isNotFound(Throwable t) {
        return t instanceof ErrorResponseException e && NOT_FOUND_CODES.contains(e.errorResponse().code());
    }

    static boolean isTransient(Throwable t) {
        if (t instanceof ErrorResponseException e) {
            int status = e.response() == null ? 0 : e.response().code();
            return status >= 500 || status == 429 || RETRYABLE_CODES.contains(e.errorResponse().code());
        }
        // IOException: refused, reset, timed out (OkHttp's timeouts are InterruptedIOExceptions).
        // ServerException: a 5xx without an S3 error body. InvalidResponseException: a non-S3 answer,
        // e.g. an HTML 502 from a load balancer.
        return t instanceof IOException || t instanceof ServerException || t instanceof InvalidResponseException;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Stops the executor (waiting for uploads in progress) and releases HTTP connections. */
    @Override
    public void close() {
        io.shutdown();
        try {
            if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("S3 requests still running at close");
                io.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            io.shutdownNow();
        }
        http.dispatcher().cancelAll();
        http.connectionPool().evictAll();
    }

    /** Hashes what is read and checks it against the stored SHA-256 when the end is reached. */
    private static final class VerifyingInputStream extends InputStream {
        private final InputStream in;
        private final String expected;
        private final String key;
        private final MessageDigest digest = sha256();
        private boolean checked;

        VerifyingInputStream(InputStream in, String expected, String key) {
            this.in = in;
            this.expected = expected;
            this.key = key;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, len);
            if (n < 0) {
                check();
                return -1;
            }
            digest.update(b, off, n);
            return n;
        }

        private void check() throws IOException {
            if (checked) {
                return;
            }
            checked = true;
            if (expected == null) {
                throw new IOException("blob " + key + " has no stored SHA-256; refusing unverified content");
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equalsIgnoreCase(expected)) {
                throw new IOException("blob " + key + " is corrupt: SHA-256 " + actual + ", expected " + expected);
            }
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
