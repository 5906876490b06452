package io.yubin.server;

import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The configuration of an embedded server started inside a test: data under {@code data}, every
 * listener on port 0 (off or any free port) unless a test gives one, a cluster of its own, and cheap
 * password hashing; {@code settings} (environment variable names) override or add to it.
 */
public final class TestServerConfig {

    private TestServerConfig() {
    }

    public static ServerConfig load(Path data, String cluster, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(Map.ofEntries(
                Map.entry("YUBIN_DATA_DIR", data.toString()),
                Map.entry("YUBIN_ADMIN_PORT", "0"),
                Map.entry("YUBIN_SMTP_MX_PORT", "0"),
                Map.entry("YUBIN_SMTP_SUBMISSION_PORT", "0"),
                Map.entry("YUBIN_SMTP_SUBMISSIONS_PORT", "0"),
                Map.entry("YUBIN_IMAP_PORT", "0"),
                Map.entry("YUBIN_IMAP_TLS_PORT", "0"),
                Map.entry("YUBIN_POP3_PORT", "0"),
                Map.entry("YUBIN_POP3_TLS_PORT", "0"),
                Map.entry("YUBIN_CLUSTER_NAME", cluster + "-" + ProcessHandle.current().pid()),
                Map.entry("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024"),
                Map.entry("YUBIN_PASSWORD_HASH_ITERATIONS", "1")));
        env.putAll(settings);
        return ConfigLoader.load(null, env);
    }
}
