package io.yubin.server.cli;

import com.datastax.oss.driver.api.core.CqlSession;
import io.yubin.server.StorageWiring;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.StoreException;
import io.yubin.store.cassandra.CassandraMigrations;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code yubin schema migrate|status}: the Cassandra schema, from the same configuration as serve. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Apply or show the Cassandra schema migrations (storage.backend: cassandra).",
        subcommands = {SchemaCommand.Migrate.class, SchemaCommand.Status.class})
public final class SchemaCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Override
    CommandSpec spec() {
        return spec;
    }

    /** The configuration's Cassandra settings; a clear error when the backend is not Cassandra. */
    static CassandraOptions options(Path config) {
        ServerConfig settings = ConfigFile.load(config);
        if (settings.storage().backend() != ServerConfig.StorageBackend.CASSANDRA) {
            throw CliException.failed("storage.backend is " + settings.storage().backend().name().toLowerCase()
                    + ": the embedded backend migrates its SQLite schema by itself at start");
        }
        return StorageWiring.cassandraOptions(settings.storage().cassandra());
    }

    static CqlSession connect(CassandraOptions options) {
        try {
            return CassandraStorage.connect(options, false);
        } catch (StoreException e) {
            throw CliException.unreachable(e.getMessage(), e);
        }
    }

    /** A subcommand that works on a session with the configuration's Cassandra settings. */
    abstract static class OnCassandra implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
        Path config;

        @Spec
        CommandSpec spec;

        abstract int run(CqlSession session, CassandraOptions options);

        @Override
        public Integer call() {
            CassandraOptions options = options(config);
            try (CqlSession session = connect(options)) {
                return run(session, options);
            }
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Create the keyspace if needed and apply the migrations not yet applied (idempotent).")
    static final class Migrate extends OnCassandra {
        @Override
        int run(CqlSession session, CassandraOptions options) {
            List<String> applied = CassandraMigrations.apply(session, options.keyspace(), options.replication());
            spec.commandLine().getOut().println(applied.isEmpty()
                    ? "keyspace " + options.keyspace() + " is up to date (schema version "
                            + CassandraMigrations.latestVersion() + ")"
                    : "applied " + String.join(", ", applied) + " to keyspace " + options.keyspace());
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print the keyspace's schema version and the version this server needs.")
    static final class Status extends OnCassandra {
        @Override
        int run(CqlSession session, CassandraOptions options) {
            int current = CassandraMigrations.currentVersion(session, options.keyspace());
            int latest = CassandraMigrations.latestVersion();
            spec.commandLine().getOut().println("keyspace " + options.keyspace() + ": schema version " + current
                    + ", this server needs " + latest);
            return current >= latest ? 0 : 1;
        }
    }
}
