package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.yubin.store.BlobStore;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import java.time.Duration;

/**
 * The cluster metadata backend (docs/architecture.md §2): Directory, MailboxStore, Spool and
 * BlobReferences in Cassandra, with bodies in the given {@link BlobStore} (S3 in a cluster, files for
 * tests and mixed set-ups).
 */
public final class CassandraStorage {

    /** The counter of fenced retries (docs/architecture.md §4.3, docs/scaling.md "UIDs across members"). */
    public static final String FENCED_RETRIES = "yubin.cassandra.mailbox.fenced.retries";

    private CassandraStorage() {
    }

    /**
     * Connects, applies the migrations when {@link CassandraOptions#migrate()} is set, and opens the
     * backend. The Storage takes ownership of {@code blobs} (closes it when it is AutoCloseable).
     * Fails with UNAVAILABLE when Cassandra cannot be reached, or when the schema is older than this
     * code and migrating is off.
     */
    public static Storage open(CassandraOptions options, BlobStore blobs) {
        return open(options, blobs, null);
    }

    /** As {@link #open(CassandraOptions, BlobStore)}, with the driver's metrics in {@code metrics} (null: none). */
    public static Storage open(CassandraOptions options, BlobStore blobs, MeterRegistry metrics) {
        try (CqlSession admin = connect(options, false)) {
            if (options.migrate()) {
                CassandraMigrations.apply(admin, options.keyspace(), options.replication());
            } else {
                int version = CassandraMigrations.currentVersion(admin, options.keyspace());
                if (version < CassandraMigrations.latestVersion()) {
                    throw StoreException.unavailable("Cassandra keyspace " + options.keyspace() + " has schema version "
                            + version + ", this server needs " + CassandraMigrations.latestVersion()
                            + ": run `yubin schema migrate`", null);
                }
            }
        } catch (RuntimeException e) {
            throw Cql.unavailable(e);
        }
        return open(connect(options, true, metrics), true, blobs, metrics);
    }

    /**
     * The backend on a session already in the keyspace (schema applied). With {@code ownsSession} the
     * Storage closes the session too.
     */
    public static Storage open(CqlSession session, boolean ownsSession, BlobStore blobs) {
        return open(session, ownsSession, blobs, null);
    }

    /**
     * As {@link #open(CqlSession, boolean, BlobStore)}, counting the mailbox writers' fenced retries in
     * {@code metrics} ({@value #FENCED_RETRIES}) when not null.
     */
    public static Storage open(CqlSession session, boolean ownsSession, BlobStore blobs, MeterRegistry metrics) {
        Runnable retried = metrics == null ? () -> { } : Counter.builder(FENCED_RETRIES)
                .description("Mailbox changes run again because another writer held or moved the mailbox's counters")
                .register(metrics)::increment;
        Cql cql = new Cql(session);
        CassandraBlobReferences references = new CassandraBlobReferences(cql);
        AutoCloseable closeBlobs = blobs instanceof AutoCloseable c ? c : () -> { };
        AutoCloseable closer = () -> {
            try {
                closeBlobs.close();
            } finally {
                if (ownsSession) {
                    session.close();
                }
            }
        };
        return new Storage(new CassandraDirectory(cql), new CassandraMailboxStore(cql, references, retried),
                new CassandraSpool(cql, references), references, blobs, new CassandraSpamModels(cql),
                new CassandraAccountLocks(cql), new CassandraAdministrators(cql), closer);
    }

    /**
     * A session with the configured consistency levels, using the keyspace when {@code inKeyspace}
     * (which must then exist) or none (for migrations).
     */
    public static CqlSession connect(CassandraOptions options, boolean inKeyspace) {
        return connect(options, inKeyspace, null);
    }

    /**
     * As {@link #connect(CassandraOptions, boolean)}, recording every request's latency and outcome in
     * {@code metrics} when not null ({@link CassandraRequestMetrics}).
     */
    public static CqlSession connect(CassandraOptions options, boolean inKeyspace, MeterRegistry metrics) {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, options.consistency())
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, options.serialConsistency())
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, options.requestTimeout())
                // Large reads (a 100,000-message SELECT) come in pages rather than all at once.
                .withInt(DefaultDriverOption.REQUEST_PAGE_SIZE, 5000)
                .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, false)
                // Keep trying to reconnect while Cassandra is away; service resumes by itself.
                .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(200))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
                .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
                // Statements are prepared by this code; the driver need not mirror the whole schema.
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                // A session's close waits this long for its event loops to go quiet: 2 s by default, paid
                // at every start (the migrations' session is closed) and every stop of a member.
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                .build();
        CqlSessionBuilder builder = CqlSession.builder().withConfigLoader(config)
                .addContactPoints(options.contactPoints()).withLocalDatacenter(options.localDatacenter());
        if (metrics != null) {
            builder = builder.addRequestTracker(new CassandraRequestMetrics(metrics));
        }
        if (inKeyspace) {
            builder = builder.withKeyspace(options.keyspace());
        }
        if (options.username() != null) {
            builder = builder.withAuthCredentials(options.username(), options.password());
        }
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw StoreException.unavailable("cannot connect to Cassandra at " + options.contactPoints() + ": "
                    + e.getMessage(), e);
        }
    }
}
