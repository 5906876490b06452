package io.yubin.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.imap.ImapLimits;
import io.yubin.imap.ImapServer;
import io.yubin.pop3.Pop3Server;
import io.yubin.protocol.Listening;
import io.yubin.queue.ClusterMember;
import io.yubin.smtp.SmtpLimits;
import io.yubin.store.PasswordVerificationCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("yubin.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaultsNeedNoFileAndNoEnvironment() {
        ServerConfig c = ConfigLoader.load(null, Map.of());

        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.admin()).isEqualTo(new ServerConfig.Admin("127.0.0.1", 8080, 15));
        assertThat(c.smtp()).isEqualTo(new ServerConfig.Smtp("127.0.0.1", 2525, 2587, 2465, "", 52428800, 100, 20,
                false, 0, 10, 300, 180, 1000, 65536));
        assertThat(c.imap()).isEqualTo(new ServerConfig.Imap("127.0.0.1", 1143, 1993, false, false, 52_428_800, 0, 10,
                1000, 1800, 65536, 262144, 32, 10, 4, 2, 30));
        assertThat(c.pop3()).isEqualTo(new ServerConfig.Pop3("127.0.0.1", 1110, 1995, false, false, 0, 10, 100, 600, 4));
        assertThat(c.tls()).isEqualTo(new ServerConfig.Tls("", "", ""));
        assertThat(c.tls().configured()).isFalse();
        assertThat(c.passwordPolicy()).isEqualTo(new ServerConfig.PasswordPolicyConfig(10, 1024, true));
        assertThat(c.passwordHash()).isEqualTo(new ServerConfig.PasswordHashConfig(19456, 2, 1));
        assertThat(c.authCache()).isEqualTo(new ServerConfig.AuthCache(300, 10_000));
        assertThat(c.security().lockout().toPolicy()).as("10 failures in 15 minutes lock for 15 minutes")
                .isEqualTo(io.yubin.store.AccountLockout.Policy.DEFAULT);
        assertThat(c.cluster()).isEqualTo(new ServerConfig.Cluster(false, "yubin", "127.0.0.1", 0, "",
                new ServerConfig.Kubernetes("")));
        assertThat(c.storage().backend()).isEqualTo(ServerConfig.StorageBackend.EMBEDDED);
        assertThat(c.delivery()).isEqualTo(new ServerConfig.Delivery(32, 30, 10, 14_400,
                new ServerConfig.Retry(300, 3600, 432_000),
                new ServerConfig.Remote(true, "", "", 25, 30, 300, 1800, 20, 100, 5,
                        new ServerConfig.MtaSts(true, "", 443, 20), new ServerConfig.Dane(true),
                        new ServerConfig.TlsReports(true, "", "", "", "")), true));
        assertThat(c.dns()).isEqualTo(new ServerConfig.Dns("", false, ""));
        assertThat(c.dns().trustAnchors()).isNull();
        assertThat(c.delivery().retry().toSchedule()).isEqualTo(io.yubin.delivery.RetrySchedule.DEFAULT);
        assertThat(c.dns().serverAddresses()).isEmpty();
        assertThat(c.dkim()).isEqualTo(new ServerConfig.Dkim(""));
        assertThat(c.spam()).isEqualTo(new ServerConfig.Spam(true, 0.65, 2.0, 20, "", "", ""));
        assertThat(c.mtaSts()).isEqualTo(new ServerConfig.MtaStsHost(false, "127.0.0.1", 2443, "", false));
        assertThat(c.mtaSts().policiesPath(Path.of("/var/lib/yubin"))).isEqualTo(Path.of("/var/lib/yubin/mta-sts"));
        assertThat(c.sendingLimits()).isEqualTo(new ServerConfig.SendingLimitsConfig(500, 100, 2000, ""));
        assertThat(c.sendingLimits().overrideMap()).isEmpty();
        assertThat(c.dkim().keysPath(Path.of("/var/lib/yubin"))).isEqualTo(Path.of("/var/lib/yubin/dkim"));
        // Below Kubernetes' default terminationGracePeriodSeconds (30).
        assertThat(c.shutdown()).isEqualTo(new ServerConfig.Shutdown(25));
        assertThat(ConfigLoader.defaults()).isEqualTo(c);
    }

    @Test
    void virusScanningIsOffByDefaultAndClamdMustBeHostAndPort() {
        assertThat(ConfigLoader.defaults().virus()).isEqualTo(new ServerConfig.Virus("", false, 30, 26_214_400));
        assertThat(ConfigLoader.defaults().virus().enabled()).isFalse();

        ServerConfig.Virus v = ConfigLoader.load(null, Map.of("YUBIN_VIRUS_CLAMD", "clamd.mail.svc:3310",
                "YUBIN_VIRUS_FAIL_OPEN", "true")).virus();
        assertThat(v.enabled()).isTrue();
        assertThat(v.failOpen()).isTrue();
        assertThat(v.clamdAddress().getHostString()).isEqualTo("clamd.mail.svc");
        assertThat(v.clamdAddress().getPort()).isEqualTo(3310);
        assertThat(new ServerConfig.Virus("[::1]:3310", false, 30, 1).clamdAddress().getHostString()).isEqualTo("::1");
        for (String bad : List.of("clamd", "clamd:", ":3310", "clamd:99999", "clamd:x")) {
            assertThatThrownBy(() -> new ServerConfig.Virus(bad, false, 30, 1).clamdAddress())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("virus.clamd must be host:port");
        }
    }

    @Test
    void defaultsMatchTheStoreDefaults() {
        ServerConfig c = ConfigLoader.defaults();

        assertThat(c.passwordPolicy().toPolicy()).isEqualTo(io.yubin.store.PasswordPolicy.DEFAULT);
        assertThat(c.passwordHash().toParameters()).isEqualTo(io.yubin.store.PasswordHasher.Parameters.DEFAULT);
        assertThat(c.authCache().toSettings()).isEqualTo(PasswordVerificationCache.Settings.DEFAULT);
    }

    @Test
    void fileOverridesOnlyTheKeysItNames() throws IOException {
        Path file = yaml("""
                data-dir: /var/lib/yubin
                smtp:
                  mx-port: 25
                tls:
                  cert-file: /etc/yubin/cert.pem
                  key-file: /etc/yubin/key.pem
                password-policy:
                  reject-containing-user-name: false
                imap:
                """);

        ServerConfig c = ConfigLoader.load(file, Map.of());

        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/yubin"));
        assertThat(c.smtp()).isEqualTo(new ServerConfig.Smtp("127.0.0.1", 25, 2587, 2465, "", 52428800, 100, 20, false,
                0, 10, 300, 180, 1000, 65536));
        assertThat(c.tls().configured()).isTrue();
        assertThat(c.tls().keyFile()).isEqualTo("/etc/yubin/key.pem");
        assertThat(c.passwordPolicy().rejectContainingUserName()).isFalse();
        assertThat(c.imap().port()).isEqualTo(1143);
    }

    @Test
    void emptyFileMeansDefaults() throws IOException {
        assertThat(ConfigLoader.load(yaml("# nothing here\n"), Map.of())).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void environmentOverridesFileAndDefaults() throws IOException {
        Path file = yaml("admin:\n  port: 9000\n");
        Map<String, String> env = Map.of(
                "YUBIN_ADMIN_PORT", "9100",
                "YUBIN_SMTP_MX_PORT", "2526",
                "YUBIN_DATA_DIR", "/tmp/yubin-data",
                "YUBIN_PASSWORD_POLICY_REJECT_CONTAINING_USER_NAME", "false",
                "YUBIN_TLS_HOSTNAME", "mail.example.test",
                "PATH", "/usr/bin");

        ServerConfig c = ConfigLoader.load(file, env);

        assertThat(c.admin().port()).isEqualTo(9100);
        assertThat(c.smtp().mxPort()).isEqualTo(2526);
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/yubin-data"));
        assertThat(c.passwordPolicy().rejectContainingUserName()).isFalse();
        assertThat(c.tls().hostname()).isEqualTo("mail.example.test");
    }

    @Test
    void everyKeyHasAnEnvironmentVariableThatOverridesIt() {
        assertThat(ConfigLoader.keys()).contains("data-dir", "admin.host", "admin.port", "smtp.host", "smtp.mx-port",
                "smtp.submission-port", "smtp.submissions-port", "imap.port", "imap.tls-port", "pop3.port",
                "pop3.tls-port", "tls.cert-file", "tls.key-file", "tls.hostname", "password-policy.min-length",
                "password-policy.max-length", "password-policy.reject-containing-user-name",
                "password-hash.memory-kib", "password-hash.iterations", "password-hash.parallelism",
                "auth-cache.ttl-seconds", "auth-cache.max-entries", "cluster.name", "cluster.enabled",
                "cluster.bind-address", "cluster.members", "cluster.kubernetes.service-dns",
                "delivery.lease-ttl-seconds", "delivery.sweep-interval-seconds",
                "cluster.port", "storage.backend", "smtp.hostname", "smtp.max-message-size", "smtp.max-recipients",
                "smtp.max-connections-per-ip", "smtp.proxy-protocol", "delivery.workers", "shutdown.grace-seconds", "pop3.host",
                "pop3.proxy-protocol", "pop3.allow-plaintext-auth", "storage.blobs", "storage.s3.endpoint",
                "storage.s3.bucket", "storage.s3.path-style", "imap.host", "imap.proxy-protocol",
                "imap.allow-plaintext-auth", "imap.max-message-size", "storage.cassandra.contact-points",
                "storage.cassandra.keyspace", "storage.cassandra.consistency", "storage.cassandra.migrate-on-start");
        assertThat(ConfigLoader.environmentVariable("smtp.submissions-port")).isEqualTo("YUBIN_SMTP_SUBMISSIONS_PORT");
        assertThat(ConfigLoader.environmentVariable("data-dir")).isEqualTo("YUBIN_DATA_DIR");

        Map<String, String> env = new HashMap<>();
        for (String key : ConfigLoader.keys()) {
            env.put(ConfigLoader.environmentVariable(key), switch (key) {
                case "password-policy.reject-containing-user-name", "smtp.proxy-protocol", "pop3.proxy-protocol",
                        "imap.proxy-protocol", "mta-sts.proxy-protocol" -> "false";
                case "pop3.allow-plaintext-auth", "imap.allow-plaintext-auth", "storage.s3.create-bucket",
                        "cluster.enabled", "delivery.remote.enabled", "delivery.remote.mta-sts.enabled", "mailauth.enabled",
                        "delivery.remote.dane.enabled", "mta-sts.enabled", "delivery.remote.tls-reports.enabled",
                        "spam.enabled" -> "true";
                case "dns.dnssec-validation" -> "false";
                // listeners on one address need ports of their own
                case "smtp.submission-port", "imap.tls-port", "pop3.tls-port" -> "8";
                case "smtp.submissions-port" -> "9";
                case "cluster.bind-address" -> "10.0.0.7";
                case "cluster.members" -> "x-cluster.members:7";
                case "cluster.kubernetes.service-dns" -> "";
                case "storage.s3.path-style", "storage.cassandra.migrate-on-start", "virus.fail-open", "delivery.srs" -> "false";
                case "virus.max-size" -> "7";
                case "storage.cassandra.request-timeout-ms", "auth-cache.ttl-seconds" -> "7";
                case "storage.blobs" -> "s3";
                case "storage.backend" -> "embedded";
                case "logging.format" -> "json";
                case "password-hash.memory-kib" -> "65536";
                case "password-policy.max-length" -> "4000";
                case "tls.cert-file", "tls.key-file" -> "/etc/" + key;
                case "smtp.max-line-length" -> "700";
                case "imap.max-line" -> "2048";
                case "imap.max-command" -> "4096";
                case "sending-limits.messages-per-hour", "sending-limits.recipients-per-message",
                        "sending-limits.recipients-per-day" -> "7";
                case "sending-limits.overrides" -> "example.test recipients-per-day=9";
                case "dnsbl.zones" -> "x-dnsbl.example";
                case "delivery.remote.tls-reports.submitter" -> "report.test";
                case "spam.junk-threshold", "spam.reject-threshold" -> "0.7";
                case "spam.min-trained", "security.lockout.failures" -> "7";
                case "spam.overrides" -> "example.test junk=0.9";
                case "delivery.remote.tls-reports.from" -> "reports@report.test";
                case "address-policy.allowed-characters" -> "a-z.";
                case "address-policy.plus-separator" -> "-";
                case "address-policy.role-recipient" -> "x@example.test";
                case "address-policy.overrides" -> "example.test plus-separator=";
                default -> key.startsWith("ip-policy.") ? "192.0.2." + key.length()
                        : key.endsWith("port") || key.contains("password") || key.contains("max-")
                        || key.endsWith("-seconds") || key.endsWith("-minutes") || key.endsWith("-threads")
                        || key.endsWith("event-loops")
                        || key.endsWith("memory-threshold") || key.startsWith("delivery.") ? "7" : "x-" + key;
            });
        }
        ServerConfig c = ConfigLoader.load(null, env);

        assertThat(c.imap()).isEqualTo(new ServerConfig.Imap("x-imap.host", 7, 8, false, true, 7, 7, 7, 7, 7, 2048, 4096,
                7, 7, 7, 7, 7));
        assertThat(c.pop3().tlsPort()).isEqualTo(8);
        assertThat(c.mtaSts()).isEqualTo(new ServerConfig.MtaStsHost(true, "x-mta-sts.host", 7,
                "x-mta-sts.policies-directory", false));
        assertThat(c.cluster()).isEqualTo(new ServerConfig.Cluster(true, "x-cluster.name", "10.0.0.7", 7,
                "x-cluster.members:7", new ServerConfig.Kubernetes("")));
        assertThat(c.delivery()).isEqualTo(new ServerConfig.Delivery(7, 7, 7, 7, new ServerConfig.Retry(7, 7, 7),
                new ServerConfig.Remote(true, "7", "7", 7, 7, 7, 7, 7, 7, 7,
                        new ServerConfig.MtaSts(true, "7", 7, 7), new ServerConfig.Dane(true),
                        new ServerConfig.TlsReports(true, "7", "7", "report.test", "reports@report.test")), false));
        assertThat(c.passwordHash()).isEqualTo(new ServerConfig.PasswordHashConfig(65536, 7, 7));
        assertThat(c.spam()).isEqualTo(new ServerConfig.Spam(true, 0.7, 0.7, 7, "example.test junk=0.9",
                "x-spam.dnsbl-zones", "x-spam.uribl-zones"));
        assertThat(c.spam().toThresholds().of("bob@example.test")).isEqualTo(
                new io.yubin.filter.spam.SpamThresholds.Thresholds(0.9, 0.7));
        assertThat(c.sendingLimits().overrideMap()).containsExactly(
                Map.entry("example.test", new io.yubin.smtp.SendingLimits.Limits(7, 7, 9)));
        assertThat(c.authCache()).isEqualTo(new ServerConfig.AuthCache(7, 7));
        assertThat(c.security().lockout()).isEqualTo(new ServerConfig.Lockout(7, 7, 7));
        assertThat(c.admin().host()).isEqualTo("x-admin.host");
        assertThat(c.admin().sessionMinutes()).isEqualTo(7);
        assertThat(c.tls().keyFile()).isEqualTo("/etc/tls.key-file");
        assertThat(c.smtp()).isEqualTo(new ServerConfig.Smtp("x-smtp.host", 7, 8, 9, "x-smtp.hostname", 7, 7, 7, false,
                7, 7, 7, 7, 700, 7));
        assertThat(c.delivery().workers()).isEqualTo(7);
        assertThat(c.ipPolicy().admin()).isEqualTo(new ServerConfig.IpLists("192.0.2.21", "192.0.2.20"));
        assertThat(c.ipPolicy().smtpSubmissions().deny()).isEqualTo("192.0.2.31");
        assertThat(c.dnsbl().zoneList()).containsExactly("x-dnsbl.example");
        assertThat(c.addressPolicy()).isEqualTo(new ServerConfig.AddressPolicyConfig("a-z.", 7,
                "x-address-policy.reserved", "-", "x@example.test", "example.test plus-separator="));
        assertThat(c.shutdown().graceSeconds()).isEqualTo(7);
        assertThat(c.mailauth()).isEqualTo(new ServerConfig.Mailauth(true, "x-mailauth.authserv-id", 7, 7, 7,
                "x-mailauth.public-suffix-list"));
        assertThat(c.pop3()).isEqualTo(new ServerConfig.Pop3("x-pop3.host", 7, 8, false, true, 7, 7, 7, 7, 7));
        assertThat(c.storage()).isEqualTo(new ServerConfig.StorageConfig(ServerConfig.StorageBackend.EMBEDDED,
                ServerConfig.BlobBackend.S3, new ServerConfig.S3("x-storage.s3.endpoint", "x-storage.s3.region",
                        "x-storage.s3.bucket", "x-storage.s3.access-key", "x-storage.s3.secret-key", false, true),
                new ServerConfig.Cassandra("x-storage.cassandra.contact-points", "x-storage.cassandra.local-datacenter",
                        "x-storage.cassandra.keyspace", "x-storage.cassandra.consistency",
                        "x-storage.cassandra.serial-consistency", "x-storage.cassandra.replication",
                        "x-storage.cassandra.username", "7", 7, false)));
    }

    @Test
    void refusesAnAuthservIdThatIsNotOneToken() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_MAILAUTH_AUTHSERV_ID",
                "mx.example.com; spf=pass")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mailauth.authserv-id");
        assertThat(ConfigLoader.load(null, Map.of()).mailauth().effectiveAuthservId("mx.example.net"))
                .isEqualTo("mx.example.net");
        assertThat(ConfigLoader.load(null, Map.of()).mailauth().enabled()).isFalse();
    }

    @Test
    void smtpLimitsAndDeliveryWorkersComeFromTheFileAndTheEnvironment() throws IOException {
        Path file = yaml("""
                smtp:
                  hostname: mx.example.test
                  max-message-size: 1048576
                  proxy-protocol: true
                delivery:
                  workers: 2
                """);

        ServerConfig c = ConfigLoader.load(file, Map.of("YUBIN_SMTP_MAX_RECIPIENTS", "500",
                "YUBIN_SMTP_MAX_CONNECTIONS_PER_IP", "3", "YUBIN_DELIVERY_WORKERS", "8"));

        assertThat(c.smtp()).isEqualTo(new ServerConfig.Smtp("127.0.0.1", 2525, 2587, 2465, "mx.example.test", 1048576,
                500, 3, true, 0, 10, 300, 180, 1000, 65536));
        assertThat(c.delivery().workers()).isEqualTo(8);
    }

    @Test
    void protocolDefaultsMatchTheProtocolModules() {
        ServerConfig c = ConfigLoader.defaults();

        assertThat(c.smtp().limits()).isEqualTo(SmtpLimits.defaults());
        assertThat(c.imap().limits()).isEqualTo(ImapLimits.DEFAULT);
        assertThat(c.imap().pools()).isEqualTo(ImapServer.Pools.DEFAULT);
        assertThat(c.imap().idleTimeout()).isEqualTo(ImapServer.DEFAULT_IDLE_TIMEOUT);
        assertThat(c.pop3().idleTimeout()).isEqualTo(Pop3Server.DEFAULT_IDLE_TIMEOUT);
        assertThat(c.pop3().maxConnectionsPerIp()).isEqualTo(Pop3Server.DEFAULT_MAX_CONNECTIONS_PER_IP);
        assertThat(c.pop3().bodyThreads()).isEqualTo(Pop3Server.DEFAULT_BODY_THREADS);
        for (Listening listening : List.of(c.smtp().listening(), c.imap().listening(), c.pop3().listening())) {
            assertThat(listening).isEqualTo(Listening.defaults());
        }
    }

    @Test
    void eventLoopsThreadsAndTimeoutsComeFromTheFileAndTheEnvironment() throws IOException {
        Path file = yaml("""
                smtp:
                  event-loops: 1
                  command-timeout-seconds: 60
                imap:
                  search-threads: 8
                  idle-timeout-seconds: 3600
                pop3:
                  max-connections-per-ip: 5
                """);

        ServerConfig c = ConfigLoader.load(file, Map.of("YUBIN_IMAP_EVENT_LOOPS", "3",
                "YUBIN_POP3_PROXY_HEADER_TIMEOUT_SECONDS", "2"));

        assertThat(c.smtp().listening().eventLoops()).isEqualTo(1);
        assertThat(c.smtp().limits().commandTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.imap().listening().eventLoops()).isEqualTo(3);
        assertThat(c.imap().pools()).isEqualTo(new ImapServer.Pools(4, 8));
        assertThat(c.imap().idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(c.pop3().maxConnectionsPerIp()).isEqualTo(5);
        assertThat(c.pop3().listening().proxyHeaderTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void twoListenersOnOnePortOfOneAddressAreRefusedWithBothNamed() {
        // Vert.x would share the socket and hand every other admin request to the IMAP server.
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_IMAP_PORT", "8080", "YUBIN_ADMIN_PORT", "8080")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"imap.port\"")
                .hasMessageContaining("is 8080, the port of admin.port on the same address (127.0.0.1)");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_POP3_TLS_PORT", "1993")))
                .hasMessageContaining("\"pop3.tls-port\"").hasMessageContaining("the port of imap.tls-port");
        // A wildcard holds the port on every address.
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_SMTP_HOST", "0.0.0.0", "YUBIN_SMTP_MX_PORT",
                "1143", "YUBIN_IMAP_HOST", "127.0.0.2")))
                .hasMessageContaining("\"imap.port\"").hasMessageContaining("the port of smtp.mx-port on every address");
        // Different addresses, or any free port (0), are fine.
        assertThat(ConfigLoader.load(null, Map.of("YUBIN_IMAP_HOST", "127.0.0.2", "YUBIN_IMAP_PORT", "8080")).imap().port())
                .isEqualTo(8080);
        assertThat(ConfigLoader.load(null, Map.of("YUBIN_IMAP_PORT", "0", "YUBIN_POP3_PORT", "0")).pop3().port()).isZero();
    }

    @Test
    void protocolSettingsBelowTheirMinimumAreErrors() {
        Map<String, String> below = Map.of("smtp.event-loops", "-1", "smtp.max-line-length", "511",
                "smtp.data-timeout-seconds", "0", "imap.search-threads", "0", "imap.max-line", "1000",
                "imap.max-connections-per-ip", "0", "pop3.body-threads", "0", "pop3.idle-timeout-seconds", "0");
        below.forEach((key, value) -> assertThatThrownBy(
                () -> ConfigLoader.load(null, Map.of(ConfigLoader.environmentVariable(key), value)))
                .hasMessageContaining("\"" + key + "\"").hasMessageContaining("must be at least"));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_IMAP_MAX_COMMAND", "2000",
                "YUBIN_IMAP_MAX_LINE", "4000")))
                .hasMessageContaining("\"imap.max-command\"").hasMessageContaining("must be at least 4000, was 2000");
    }

    @Test
    void clusterWithAMemberListBecomesJoiningMemberOptions() throws IOException {
        Path file = yaml("""
                cluster:
                  enabled: true
                  name: prod-mail
                  bind-address: 10.0.0.2
                  port: 5701
                  members: "10.0.0.1:5701, 10.0.0.2:5701 ,10.0.0.3:5701"
                delivery:
                  lease-ttl-seconds: 5
                  sweep-interval-seconds: 2
                """);

        ServerConfig c = ConfigLoader.load(file, Map.of());

        assertThat(c.cluster().toOptions()).isEqualTo(new ClusterMember.Options("prod-mail", "10.0.0.2", 5701,
                List.of("10.0.0.1:5701", "10.0.0.2:5701", "10.0.0.3:5701")));
        assertThat(c.delivery().leaseTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.delivery().sweepInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void clusterWithKubernetesDnsBecomesDnsDiscoveryOnThePodAddress() {
        ServerConfig c = ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_BIND_ADDRESS", "10.244.1.17",
                "YUBIN_CLUSTER_KUBERNETES_SERVICE_DNS", "yubin-hazelcast.mail.svc.cluster.local"));

        assertThat(c.cluster().toOptions()).isEqualTo(new ClusterMember.Options("yubin", "10.244.1.17", 0, List.of(),
                "yubin-hazelcast.mail.svc.cluster.local"));
    }

    @Test
    void withoutClusterEnabledTheMemberIsAloneOnLoopback() {
        ServerConfig c = ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_BIND_ADDRESS", "10.0.0.9"));

        assertThat(c.cluster().toOptions()).isEqualTo(ClusterMember.Options.embedded("yubin", 0));
    }

    @Test
    void sendingLimitOverridesArePerDomainOrUserAndKeepTheDefaultsTheyDoNotName() {
        ServerConfig c = ConfigLoader.load(null, Map.of("YUBIN_SENDING_LIMITS_OVERRIDES",
                " Example.ORG messages-per-hour=2000 recipients-per-day=20000 ;newsletter@example.org recipients-per-day=0;"));

        assertThat(c.sendingLimits().overrideMap()).containsExactly(
                Map.entry("example.org", new io.yubin.smtp.SendingLimits.Limits(2000, 100, 20000)),
                Map.entry("newsletter@example.org", new io.yubin.smtp.SendingLimits.Limits(500, 100, 0)));
        io.yubin.smtp.SendingLimits limits = c.sendingLimits().toLimits(java.time.Clock.systemUTC());
        assertThat(limits.limitsFor(io.yubin.model.MailAddress.parse("alice@example.org")).messagesPerHour())
                .isEqualTo(2000);
        assertThat(limits.limitsFor(io.yubin.model.MailAddress.parse("newsletter@example.org")).recipientsPerDay())
                .isZero();
    }

    @Test
    void aBadSendingLimitOverrideIsAnErrorNamingTheKeyAndTheEntry() {
        for (String bad : List.of("example.org", "example.org messages-per-hour=lots", "example.org per-hour=5",
                "not a domain! messages-per-hour=1", "example.org recipients-per-day=-1",
                "example.org messages-per-hour=1; EXAMPLE.org messages-per-hour=2")) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_SENDING_LIMITS_OVERRIDES", bad)))
                    .as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("\"sending-limits.overrides\" from environment variable "
                            + "YUBIN_SENDING_LIMITS_OVERRIDES: ");
        }
    }

    @Test
    void badSpamThresholdsAreErrorsNamingTheKeyAndTheEntry() {
        for (String bad : List.of("example.org", "example.org junk=lots", "example.org spam=0.5",
                "example.org junk=0", "example.org junk=0.5; EXAMPLE.org reject=1")) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_SPAM_OVERRIDES", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("spam.overrides");
        }
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_SPAM_JUNK_THRESHOLD", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("spam.junk-threshold");
        io.yubin.filter.spam.SpamThresholds thresholds = ConfigLoader.load(null, Map.of("YUBIN_SPAM_OVERRIDES",
                "example.org junk=0.7; alice@example.org reject=2")).spam().toThresholds();
        assertThat(thresholds.of("alice@example.org").reject()).isEqualTo(2);
        assertThat(thresholds.of("alice@example.org").junk()).as("a user's entry stands alone").isEqualTo(0.65);
        assertThat(thresholds.of("bob@example.org").junk()).isEqualTo(0.7);
        assertThat(thresholds.of("carol@example.net").junk()).isEqualTo(0.65);
    }

    @Test
    void badClusterSettingsAreErrorsNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_MEMBERS", "10.0.0.1:5701")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.members")
                .hasMessageContaining("cluster.enabled is false");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("exactly one of cluster.members")
                .hasMessageContaining("neither");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_MEMBERS", "10.0.0.1:5701", "YUBIN_CLUSTER_KUBERNETES_SERVICE_DNS", "yubin-hz")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_MEMBERS", "10.0.0.1:5701", "YUBIN_CLUSTER_BIND_ADDRESS", "0.0.0.0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.bind-address")
                .hasMessageContaining("wildcard");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_MEMBERS", "10.0.0.1:5701", "YUBIN_CLUSTER_BIND_ADDRESS", "::")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_MEMBERS", "10.0.0.1:5701", "YUBIN_CLUSTER_BIND_ADDRESS", "mail.example.test")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be an IP address");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"10.0.0.2\" is not one");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "true",
                "YUBIN_CLUSTER_MEMBERS", "10.0.0.1:70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ports 1 to 65535");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_CLUSTER_ENABLED", "yes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be true or false");
    }

    @Test
    void leaseAndSweepIntervalsBelowOneSecondAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_DELIVERY_LEASE_TTL_SECONDS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("delivery.lease-ttl-seconds")
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_DELIVERY_SWEEP_INTERVAL_SECONDS", "-3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("delivery.sweep-interval-seconds");
    }

    @Test
    void smtpHostnameFallsBackToTheTlsHostnameThenTheMachineName() {
        ServerConfig.Smtp unnamed = ConfigLoader.defaults().smtp();
        ServerConfig.Smtp named = ConfigLoader.load(null, Map.of("YUBIN_SMTP_HOSTNAME", "mx.example.test")).smtp();

        assertThat(named.effectiveHostname(new ServerConfig.Tls("", "", "tls.example.test"), "box"))
                .isEqualTo("mx.example.test");
        assertThat(unnamed.effectiveHostname(new ServerConfig.Tls("", "", "tls.example.test"), "box"))
                .isEqualTo("tls.example.test");
        assertThat(unnamed.effectiveHostname(new ServerConfig.Tls("", "", ""), "box")).isEqualTo("box");
    }

    @Test
    void authCacheComesFromTheFileAndTheEnvironmentAndZeroTtlTurnsItOff() throws IOException {
        Path file = yaml("auth-cache:\n  ttl-seconds: 60\n  max-entries: 50000\n");

        ServerConfig c = ConfigLoader.load(file, Map.of());
        assertThat(c.authCache()).isEqualTo(new ServerConfig.AuthCache(60, 50_000));
        assertThat(c.authCache().toSettings())
                .isEqualTo(new PasswordVerificationCache.Settings(Duration.ofMinutes(1), 50_000));

        ServerConfig off = ConfigLoader.load(file, Map.of("YUBIN_AUTH_CACHE_TTL_SECONDS", "0"));
        assertThat(off.authCache().toSettings().enabled()).isFalse();
    }

    @Test
    void negativeAuthCacheTtlAndNoEntriesAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_AUTH_CACHE_TTL_SECONDS", "-1")))
                .hasMessage("configuration key \"auth-cache.ttl-seconds\" from environment variable "
                        + "YUBIN_AUTH_CACHE_TTL_SECONDS must be at least 0, was -1");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_AUTH_CACHE_MAX_ENTRIES", "0")))
                .hasMessage("configuration key \"auth-cache.max-entries\" from environment variable "
                        + "YUBIN_AUTH_CACHE_MAX_ENTRIES must be at least 1, was 0");
    }

    @Test
    void zeroDeliveryWorkersIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_DELIVERY_WORKERS", "0")))
                .hasMessage("configuration key \"delivery.workers\" from environment variable YUBIN_DELIVERY_WORKERS "
                        + "must be at least 1, was 0");
    }

    @Test
    void smtpLimitsBelowOneAreErrors() {
        for (String key : List.of("smtp.max-message-size", "smtp.max-recipients", "smtp.max-connections-per-ip")) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(ConfigLoader.environmentVariable(key), "0")))
                    .hasMessageContaining("\"" + key + "\"")
                    .hasMessageContaining("must be at least 1, was 0");
        }
    }

    @Test
    void proxyProtocolMustBeABoolean() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_SMTP_PROXY_PROTOCOL", "yes")))
                .hasMessageContaining("YUBIN_SMTP_PROXY_PROTOCOL")
                .hasMessageContaining("must be true or false");
    }

    @Test
    void clientVariablesAreIgnoredByTheServer() {
        ServerConfig c = ConfigLoader.load(null,
                Map.of("YUBIN_ADMIN_URL", "http://127.0.0.1:1", "YUBIN_ADMIN_TOKEN", "secret"));

        assertThat(c).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void unknownEnvironmentVariableIsAnErrorNamingIt() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_SMTP_MXPORT", "25")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown environment variable YUBIN_SMTP_MXPORT");
    }

    @Test
    void unknownKeyInFileIsAnErrorNamingTheKeyPathAndTheFile() throws IOException {
        Path file = yaml("smtp:\n  mxport: 25\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("unknown configuration key \"smtp.mxport\" in " + file);
    }

    @Test
    void unknownTopLevelSectionIsAnError() throws IOException {
        Path file = yaml("smpt:\n  mx-port: 25\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("unknown configuration key \"smpt\" in " + file);
    }

    @Test
    void textWhereAnIntegerBelongsNamesKeyAndExpectedType() throws IOException {
        Path file = yaml("admin:\n  port: eighty\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("configuration key \"admin.port\" in " + file + " must be an integer, was \"eighty\"");
    }

    @Test
    void scalarWhereASectionBelongsIsAnError() throws IOException {
        Path file = yaml("smtp: 25\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("configuration key \"smtp\" in " + file + " must be a mapping, was 25");
    }

    @Test
    void sectionWhereAScalarBelongsIsAnError() throws IOException {
        Path file = yaml("data-dir:\n  path: /x\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("configuration key \"data-dir\" in " + file + " must be a string, was a mapping");
    }

    @Test
    void nonBooleanForABooleanKeyIsAnError() throws IOException {
        Path file = yaml("password-policy:\n  reject-containing-user-name: sometimes\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessageContaining("\"password-policy.reject-containing-user-name\"")
                .hasMessageContaining("must be true or false");
    }

    @Test
    void badEnvironmentValueNamesTheVariableTheKeyAndTheType() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_ADMIN_PORT", "http")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("environment variable YUBIN_ADMIN_PORT (configuration key \"admin.port\") "
                        + "must be an integer, was \"http\"");
    }

    @Test
    void portOutOfRangeIsAnErrorNamingWhereItCameFrom() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_IMAP_PORT", "70000")))
                .hasMessage("configuration key \"imap.port\" from environment variable YUBIN_IMAP_PORT "
                        + "must be a port number from 0 to 65535, was 70000");
    }

    @Test
    void unknownStorageBackendListsTheKnownOnes() throws IOException {
        Path file = yaml("storage:\n  backend: mysql\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("configuration key \"storage.backend\" in " + file
                        + " must be one of [embedded, cassandra], was \"mysql\"");
    }

    @Test
    void cassandraBackendTakesItsSettingsAndChecksTheKeyspaceName() throws IOException {
        Path file = yaml("storage:\n  backend: cassandra\n  cassandra:\n    contact-points: \"10.0.0.1:9042, 10.0.0.2\"\n"
                + "    local-datacenter: dc1\n");
        ServerConfig c = ConfigLoader.load(file, Map.of("YUBIN_STORAGE_CASSANDRA_KEYSPACE", "mail"));
        assertThat(c.storage().backend()).isEqualTo(ServerConfig.StorageBackend.CASSANDRA);
        assertThat(c.storage().cassandra().contactPoints()).isEqualTo("10.0.0.1:9042, 10.0.0.2");
        assertThat(c.storage().cassandra().keyspace()).isEqualTo("mail");
        assertThat(c.storage().cassandra().consistency()).isEqualTo("LOCAL_QUORUM");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("YUBIN_STORAGE_CASSANDRA_KEYSPACE", "my-mail")))
                .hasMessageContaining("storage.cassandra.keyspace").hasMessageContaining("CQL name");
    }

    @Test
    void certificateWithoutKeyIsAnError() throws IOException {
        Path file = yaml("tls:\n  cert-file: /etc/cert.pem\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessageContaining("\"tls.cert-file\" in " + file + " is set but tls.key-file is not");
    }

    @Test
    void maxLengthBelowMinLengthIsAnError() throws IOException {
        Path file = yaml("password-policy:\n  min-length: 12\n  max-length: 8\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("configuration key \"password-policy.max-length\" in " + file
                        + " must be at least 12, was 8");
    }

    @Test
    void duplicateKeyIsAnError() throws IOException {
        Path file = yaml("admin:\n  port: 1\n  port: 2\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessageContaining("cannot parse configuration file " + file)
                .hasMessageContaining("port");
    }

    @Test
    void missingFileIsAnErrorNamingIt() {
        Path file = dir.resolve("absent.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("configuration file " + file + " does not exist");
    }

    @Test
    void fileThatIsNotAMappingIsAnError() throws IOException {
        Path file = yaml("- a\n- b\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .hasMessage("configuration file " + file + " must be a mapping of keys to values");
    }

    @Test
    void s3BlobsNeedAnEndpointAndABucket() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_STORAGE_BLOBS", "s3",
                "YUBIN_STORAGE_S3_BUCKET", "mail")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("storage.s3.endpoint").hasMessageContaining("must not be empty");
        assertThat(ConfigLoader.load(null, Map.of()).storage().blobs()).isEqualTo(ServerConfig.BlobBackend.FILES);
    }

    @Test
    void readsIpPoliciesPerListenerAndRefusesWhatIsNotARange() throws IOException {
        ServerConfig defaults = ConfigLoader.defaults();
        assertThat(defaults.ipPolicy().smtp().values()).allMatch(io.yubin.protocol.IpPolicy::allowsAll);
        assertThat(defaults.ipPolicy().admin().toPolicy().allowsAll()).isTrue();
        assertThat(defaults.dnsbl().zoneList()).isEmpty();

        ServerConfig c = ConfigLoader.load(yaml("""
                ip-policy:
                  smtp-mx:
                    deny: "192.0.2.0/24, 2001:db8::/32"
                  imap:
                    allow: 10.0.0.0/8
                dnsbl:
                  zones: "bl.example.test, other.example.test"
                """), Map.of("YUBIN_IP_POLICY_ADMIN_ALLOW", "127.0.0.1,::1"));
        assertThat(c.ipPolicy().smtp().get(io.yubin.smtp.SmtpServer.Mode.MX).allows("192.0.2.9")).isFalse();
        assertThat(c.ipPolicy().smtp().get(io.yubin.smtp.SmtpServer.Mode.MX).allows("2001:db8::9")).isFalse();
        assertThat(c.ipPolicy().smtp().get(io.yubin.smtp.SmtpServer.Mode.SUBMISSION).allows("192.0.2.9")).isTrue();
        assertThat(c.ipPolicy().imap().toPolicy().allows("10.1.2.3")).isTrue();
        assertThat(c.ipPolicy().imap().toPolicy().allows("192.0.2.9")).isFalse();
        assertThat(c.ipPolicy().admin().toPolicy().allows("::1")).isTrue();
        assertThat(c.ipPolicy().admin().toPolicy().allows("192.0.2.9")).isFalse();
        assertThat(c.dnsbl().zoneList()).containsExactly("bl.example.test", "other.example.test");

        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_IP_POLICY_POP3_DENY", "10.0.0.0/40")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ip-policy.pop3.deny")
                .hasMessageContaining("10.0.0.0/40");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_IP_POLICY_SMTP_MX_ALLOW", "mail.example.test")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ip-policy.smtp-mx.allow");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_DNSBL_ZONES", "bl..example")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dnsbl.zones");
    }

    @Test
    void dnssecValidationTakesTheRootKeysOrAReadableAnchorFile(@TempDir Path dir) throws IOException {
        ServerConfig root = ConfigLoader.load(null, Map.of("YUBIN_DNS_DNSSEC_VALIDATION", "true"));
        assertThat(root.dns().trustAnchors()).isEqualTo(io.yubin.mailauth.dns.DnsSettings.ROOT_TRUST_ANCHORS)
                .contains("20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
        Path anchors = Files.writeString(dir.resolve("anchors"), "example.test. IN DS 1 13 2 00\n");
        ServerConfig own = ConfigLoader.load(null, Map.of("YUBIN_DNS_DNSSEC_VALIDATION", "true",
                "YUBIN_DNS_TRUST_ANCHORS_FILE", anchors.toString()));
        assertThat(own.dns().trustAnchors()).isEqualTo("example.test. IN DS 1 13 2 00\n");

        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_DNS_DNSSEC_VALIDATION", "true",
                "YUBIN_DNS_TRUST_ANCHORS_FILE", dir.resolve("missing").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dns.trust-anchors-file")
                .hasMessageContaining("missing");
    }

    @Test
    void readsTheAddressPolicyWithPerDomainOverrides() throws IOException {
        io.yubin.store.AddressPolicies defaults = ConfigLoader.defaults().addressPolicy().toPolicies();
        assertThat(defaults).isEqualTo(io.yubin.store.AddressPolicies.DEFAULT);

        ServerConfig c = ConfigLoader.load(yaml("""
                address-policy:
                  allowed-characters: a-z0-9._-
                  reserved: "root, Admin"
                  role-recipient: hostmaster@example.org
                  overrides: "Example.ORG max-local-part-length=20 plus-separator=- reserved=; other.org plus-separator="
                """), Map.of());
        io.yubin.store.AddressPolicies policies = c.addressPolicy().toPolicies();
        io.yubin.model.Domain example = io.yubin.model.Domain.parse("example.org");
        assertThat(policies.of(io.yubin.model.Domain.parse("third.org"))).isEqualTo(
                new io.yubin.store.AddressPolicy("a-z0-9._-", 64, java.util.Set.of("root", "admin"), "+"));
        assertThat(policies.of(example)).isEqualTo(
                new io.yubin.store.AddressPolicy("a-z0-9._-", 20, java.util.Set.of(), "-"));
        assertThat(policies.of(io.yubin.model.Domain.parse("other.org")).plusAddressing()).isFalse();
        assertThat(policies.roleRecipient()).isEqualTo(io.yubin.model.MailAddress.parse("hostmaster@example.org"));

        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_ADDRESS_POLICY_MAX_LOCAL_PART_LENGTH", "65")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("address-policy").hasMessageContaining("1..64");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_ADDRESS_POLICY_ROLE_RECIPIENT", "nobody")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("address-policy.role-recipient");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("YUBIN_ADDRESS_POLICY_OVERRIDES",
                "example.org plus=on"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("address-policy.overrides").hasMessageContaining("\"plus\" for example.org");
    }
}
