package io.yubin.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.testing.vertx.BlockedThreadWatch;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The admin API's client address check: 403 before the token, probes and metrics untouched. */
class AdminIpPolicyTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    @Test
    void refusesTheApiToAClientAddressThePolicyRefusesWith403() throws Exception {
        Set<String> asked = ConcurrentHashMap.newKeySet();
        try (AdminServerHarness admin = new AdminServerHarness(dir, List.of(), address -> {
            asked.add(address);
            return !address.equals("127.0.0.1");
        })) {
            HttpResponse<String> withToken = admin.get("/api/v1/domains");
            assertThat(withToken.statusCode()).isEqualTo(403);
            assertThat(withToken.body()).contains("your address may not use the admin API");
            // Neither the token nor the path is looked at first.
            assertThat(admin.send("GET", "/api/v1/domains", null, null).statusCode()).isEqualTo(403);
            assertThat(admin.send("GET", "/api/v1/nothing-here", null, null).statusCode()).isEqualTo(403);
            assertThat(admin.post("/api/v1/domains", "{\"name\":\"example.test\"}").statusCode()).isEqualTo(403);
            assertThat(admin.get("/health/live").statusCode()).isEqualTo(200);
            assertThat(admin.get("/metrics").statusCode()).isEqualTo(200);
        }
        assertThat(asked).containsExactly("127.0.0.1");
    }

    @Test
    void servesTheApiToAnAllowedClientAddress() throws Exception {
        try (AdminServerHarness admin = new AdminServerHarness(dir, List.of(), "127.0.0.1"::equals)) {
            assertThat(admin.get("/api/v1/domains").statusCode()).isEqualTo(200);
            assertThat(admin.send("GET", "/api/v1/domains", null, null).statusCode()).isEqualTo(401);
        }
    }
}
