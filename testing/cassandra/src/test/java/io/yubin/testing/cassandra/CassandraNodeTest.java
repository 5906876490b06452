package io.yubin.testing.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node the run's backend selection gives (a process here; a container where Docker is). */
class CassandraNodeTest {

    @TempDir
    Path home;

    @Test
    void startsStopsRestartsAndSurvivesAKillOnTheSamePortsWithItsData() throws Exception {
        try (CassandraNode cassandra = CassandraNodes.start(home)) {
            assertThat(cassandra.isRunning()).isTrue();
            assertThat(cassandra.contactPoint().getPort()).isEqualTo(cassandra.nativePort());
            int port = cassandra.nativePort();

            try (CqlSession session = session(cassandra)) {
                assertThat(session.execute("SELECT release_version FROM system.local").one().getString(0))
                        .isEqualTo("5.0.9");
                session.execute("CREATE KEYSPACE mail WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                session.execute("CREATE TABLE mail.mailbox (user text, name text, uidnext bigint, PRIMARY KEY (user, name))");
                session.execute("INSERT INTO mail.mailbox (user, name, uidnext) VALUES ('alice', 'INBOX', 7)");
            }

            cassandra.stop();
            assertThat(cassandra.isRunning()).isFalse();
            assertThat(accepts(cassandra.host(), port)).isFalse();

            cassandra.start();
            assertThat(cassandra.isRunning()).isTrue();
            assertThat(cassandra.nativePort()).isEqualTo(port);
            try (CqlSession session = session(cassandra)) {
                Row row = session.execute("SELECT uidnext FROM mail.mailbox WHERE user = 'alice' AND name = 'INBOX'").one();
                assertThat(row).isNotNull();
                assertThat(row.getLong("uidnext")).isEqualTo(7L);
                session.execute("INSERT INTO mail.mailbox (user, name, uidnext) VALUES ('alice', 'Sent', 3)");
            }

            // SIGKILL loses no acknowledged write: the commit log is in the page cache and is replayed
            cassandra.kill();
            assertThat(cassandra.isRunning()).isFalse();
            cassandra.start();
            try (CqlSession session = session(cassandra)) {
                assertThat(session.execute("SELECT name FROM mail.mailbox WHERE user = 'alice'").all())
                        .extracting(r -> r.getString("name"))
                        .containsExactly("INBOX", "Sent");
            }

            cassandra.kill();
            assertThat(cassandra.isRunning()).isFalse();
            assertThat(accepts(cassandra.host(), port)).isFalse();
            if (cassandra instanceof CassandraProcess process) {
                assertThat(process.host()).isEqualTo("127.0.0.1");
                assertThat(Files.readString(process.log())).contains("Startup complete");
            }
        }
    }

    /**
     * The driver's default 2 s request timeout is too short for a schema change on a node that has
     * just started on a busy two-core machine; the test is about the node's lifecycle, not latency.
     */
    private static CqlSession session(CassandraNode cassandra) {
        return CqlSession.builder()
                .addContactPoint(cassandra.contactPoint())
                .withLocalDatacenter(cassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30)).build())
                .build();
    }

    private static boolean accepts(String host, int port) {
        try (Socket s = new Socket(host, port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
