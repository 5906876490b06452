package io.yubin.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import java.nio.file.Path;

/**
 * The whole server configuration, loaded once by {@link ConfigLoader}. Defaults live only in the
 * bundled {@code defaults.yaml}; these records hold values, not defaults.
 */
public record ServerConfig(
        Path dataDir,
        Admin admin,
        Smtp smtp,
        Imap imap,
        Pop3 pop3,
        Tls tls,
        PasswordPolicyConfig passwordPolicy,
        PasswordHashConfig passwordHash,
        Cluster cluster,
        StorageConfig storage,
        Delivery delivery) {

    public record Admin(String host, int port) {
    }

    /**
     * @param hostname the name the server gives itself, empty for {@link #effectiveHostname}'s fallbacks
     * @param maxMessageSize largest message in octets (SIZE, RFC 1870)
     * @param maxRecipients most RCPT TO per message
     * @param maxConnectionsPerIp most simultaneous connections from one client address
     * @param proxyProtocol whether every connection starts with a PROXY protocol v2 header
     */
    public record Smtp(String host, int mxPort, int submissionPort, int submissionsPort, String hostname,
            int maxMessageSize, int maxRecipients, int maxConnectionsPerIp, boolean proxyProtocol) {

        /**
         * {@code hostname}, else the TLS certificate's configured name, else {@code machineName}
         * (e.g. {@code TlsBootstrap.localHostName()}).
         */
        public String effectiveHostname(Tls tls, String machineName) {
            if (!hostname.isEmpty()) {
                return hostname;
            }
            return tls.hostname().isEmpty() ? machineName : tls.hostname();
        }
    }

    public record Imap(int port, int tlsPort) {
    }

    /**
     * @param host the interface both POP3 listeners bind to
     * @param port plain POP3 with STLS
     * @param tlsPort POP3 over implicit TLS
     * @param proxyProtocol expect a PROXY protocol v2 header on every connection
     * @param allowPlaintextAuth allow USER/PASS and AUTH before TLS (local testing only)
     */
    public record Pop3(String host, int port, int tlsPort, boolean proxyProtocol, boolean allowPlaintextAuth) {
    }

    /**
     * @param certFile PEM certificate chain, empty for the self-signed bootstrap
     * @param keyFile PEM private key, empty for the self-signed bootstrap
     * @param hostname the self-signed certificate's name, empty for this machine's host name
     */
    public record Tls(String certFile, String keyFile, String hostname) {

        public boolean configured() {
            return !certFile.isEmpty();
        }
    }

    public record PasswordPolicyConfig(int minLength, int maxLength, boolean rejectContainingUserName) {

        public PasswordPolicy toPolicy() {
            return new PasswordPolicy(minLength, maxLength, rejectContainingUserName);
        }
    }

    public record PasswordHashConfig(int memoryKib, int iterations, int parallelism) {

        public PasswordHasher.Parameters toParameters() {
            return new PasswordHasher.Parameters(memoryKib, iterations, parallelism);
        }
    }

    public record Cluster(String name, int port) {
    }

    /** @param workers delivery threads in this process */
    public record Delivery(int workers) {
    }

    public enum StorageBackend {
        /** SQLite and files under data-dir, one Hazelcast member. */
        @JsonProperty("embedded")
        EMBEDDED
    }

    public record StorageConfig(StorageBackend backend) {
    }
}
