package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.server.SharedBackends;
import io.yubin.testing.cassandra.CassandraNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code yubin schema migrate|status} against a real Cassandra node, from the server's configuration file. */
@ExtendWith(SharedBackends.class)
class SchemaCommandTest {

    @TempDir
    static Path home;

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private static Path config(String name, String host, int port, String keyspace) throws Exception {
        return Files.writeString(home.resolve(name), "storage:\n  backend: cassandra\n  cassandra:\n"
                + "    contact-points: \"" + host + ":" + port + "\"\n    keyspace: " + keyspace + "\n"
                + "    request-timeout-ms: 2000\n");
    }

    @Test
    void migrateCreatesTheKeyspaceAppliesOnceAndStatusTells() throws Exception {
        CassandraNode cassandra = SharedBackends.cassandra();
        Path config = config("cli.yaml", cassandra.host(), cassandra.nativePort(), "cli");

        assertThat(run("schema", "status", "--config", config.toString())).isEqualTo(1);
        assertThat(cli.out()).contains("keyspace cli: schema version 0, this server needs 10");

        assertThat(run("schema", "migrate", "--config", config.toString())).isZero();
        assertThat(cli.out()).contains("applied V1__initial.cql, V2__modseq_visible.cql, V3__delay_reported.cql, V4__tls_requirement.cql, V5__spam_models.cql, V6__account_security.cql, V7__administrators.cql, V8__quotas.cql, V9__totp_last_step.cql, V10__spam_models_unbounded.cql to keyspace cli");
        assertThat(run("schema", "migrate", "--config", config.toString())).isZero();
        assertThat(cli.out()).contains("keyspace cli is up to date (schema version 10)");

        assertThat(run("schema", "status", "--config", config.toString())).isZero();
        assertThat(cli.out()).contains("keyspace cli: schema version 10, this server needs 10");
    }

    @Test
    void theEmbeddedBackendHasNoCassandraSchema() throws Exception {
        Path config = Files.writeString(home.resolve("embedded.yaml"), "storage:\n  backend: embedded\n");

        assertThat(run("schema", "migrate", "--config", config.toString())).isEqualTo(CliException.FAILED);
        assertThat(cli.err()).contains("storage.backend is embedded");
    }

    @Test
    void anUnreachableClusterIsReportedAsSuch() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThat(run("schema", "migrate", "--config", config("down.yaml", "127.0.0.1", closed, "down").toString()))
                .isEqualTo(CliException.UNREACHABLE);
        assertThat(cli.err()).contains("cannot connect to Cassandra");
    }
}
