package io.yubin.store.s3;

/**
 * Settings of {@link S3BlobStore}.
 *
 * @param endpoint base URL of the S3 API, e.g. {@code https://s3.eu-west-1.amazonaws.com} or
 *     {@code http://minio.storage:9000}
 * @param region the bucket's region (any; S3-compatible servers usually accept {@code us-east-1})
 * @param bucket the bucket holding the bodies
 * @param accessKey static access key; empty or null to read {@code AWS_ACCESS_KEY_ID},
 *     {@code AWS_SECRET_ACCESS_KEY} and {@code AWS_SESSION_TOKEN} from the environment
 * @param secretKey static secret key; empty or null together with {@code accessKey}
 * @param pathStyle {@code true}: {@code https://host/bucket/key}; {@code false}: virtual-host style
 *     {@code https://bucket.host/key}
 * @param createBucket create the bucket on start when it does not exist
 * @param multipartThreshold bodies up to this size go in one PUT; larger ones are uploaded in parts
 *     of this size. One heap buffer of this size is held per upload in progress, so it is at most
 *     1 GiB; and at least 5 MiB, the S3 minimum part size.
 * @param maxRetries how often a failed request (network error, timeout, 5xx, throttling) is retried,
 *     with exponential backoff, before the operation fails with UNAVAILABLE
 */
public record S3Options(String endpoint, String region, String bucket, String accessKey, String secretKey,
        boolean pathStyle, boolean createBucket, long multipartThreshold, int maxRetries) {

    /** The S3 minimum size of every part but the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** The largest part this store uploads: one heap buffer holds it. */
    public static final long MAX_PART_SIZE = 1024L * 1024 * 1024;
    public static final long DEFAULT_MULTIPART_THRESHOLD = 8L * 1024 * 1024;
    public static final int DEFAULT_MAX_RETRIES = 4;

    public S3Options {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("storage.s3.endpoint is required");
        }
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("storage.s3.bucket is required");
        }
        if (region == null || region.isBlank()) {
            region = "us-east-1";
        }
        accessKey = accessKey == null ? "" : accessKey;
        secretKey = secretKey == null ? "" : secretKey;
        if (accessKey.isEmpty() != secretKey.isEmpty()) {
            throw new IllegalArgumentException("storage.s3.access-key and storage.s3.secret-key go together");
        }
        if (multipartThreshold < MIN_PART_SIZE || multipartThreshold > MAX_PART_SIZE) {
            throw new IllegalArgumentException("storage.s3.multipart-threshold must be between 5 MiB and 1 GiB");
        }
        if (maxRetries < 0 || maxRetries > 20) {
            throw new IllegalArgumentException("storage.s3.max-retries must be between 0 and 20");
        }
    }

    /** Defaults for everything but where the bucket is: path style, create the bucket, 8 MiB, 4 retries. */
    public static S3Options of(String endpoint, String region, String bucket, String accessKey, String secretKey) {
        return new S3Options(endpoint, region, bucket, accessKey, secretKey, true, true, DEFAULT_MULTIPART_THRESHOLD,
                DEFAULT_MAX_RETRIES);
    }

    /** Static keys are set (otherwise the AWS environment variables are used). */
    public boolean hasStaticCredentials() {
        return !accessKey.isEmpty();
    }

    @Override
    public String toString() {
        // never the secret
        return "S3Options[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", pathStyle="
                + pathStyle + ", createBucket=" + createBucket + ", multipartThreshold=" + multipartThreshold
                + ", maxRetries=" + maxRetries + "]";
    }
}
