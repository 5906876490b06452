package io.yubin.web;

import static io.yubin.web.AdminServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yubin.store.AccountLockout;
import io.yubin.store.AdminAccounts;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.TotpCodes;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Named administrators over real HTTP: sessions opened with a password and a TOTP code, roles checked
 * on every route, and the audit log.
 */
class AdministratorsApiTest {

    private static final String PASSWORD = "correct horse battery";

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dataDir;

    private final MovableClock clock = new MovableClock();
    private final ListAppender<ILoggingEvent> auditLines = new ListAppender<>();
    private AdminServerHarness api;

    @BeforeEach
    void start() throws Exception {
        Logger audit = (Logger) LoggerFactory.getLogger(AdminAudit.LOGGER);
        audit.setLevel(Level.INFO);
        auditLines.start();
        audit.addAppender(auditLines);
        api = new AdminServerHarness(dataDir, List.of(), address -> true, Duration.ofMinutes(15), clock);
        for (String domain : List.of("a.test", "b.test")) {
            assertThat(api.post("/api/v1/domains", "{\"name\":\"" + domain + "\"}").statusCode()).isEqualTo(201);
        }
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(AdminAudit.LOGGER)).detachAppender(auditLines);
        api.close();
    }

    /** Adds an administrator with the bootstrap token; returns its TOTP secret. */
    private String addAdmin(String name, String role, String... domains) throws Exception {
        JsonObject body = new JsonObject().put("name", name).put("password", PASSWORD).put("role", role)
                .put("domains", new JsonArray(List.of((Object[]) domains)));
        HttpResponse<String> created = api.post("/api/v1/admins", body.encode());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonObject admin = json(created);
        assertThat(admin.getString("uri")).startsWith("otpauth://totp/Yubin:" + name + "?secret=");
        return admin.getString("secret");
    }

    private HttpResponse<String> login(String name, String password, String code) throws Exception {
        return api.send("POST", "/api/v1/sessions", new JsonObject().put("name", name).put("password", password)
                .put("code", code).encode(), null);
    }

    /** A session with the code of the next time step (each code opens one session, RFC 6238 §5.2). */
    private String session(String name, String secret) throws Exception {
        clock.advance(Duration.ofSeconds(TotpCodes.PERIOD_SECONDS));
        HttpResponse<String> response = login(name, PASSWORD, TotpCodes.code(secret, clock.instant()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response).getString("token");
    }

    @Test
    void aGlobalAdministratorLogsInWithPasswordAndCodeAndMayDoEverything() throws Exception {
        String secret = addAdmin("ops-alice", "global");

        HttpResponse<String> response = login("ops-alice", PASSWORD, TotpCodes.code(secret, clock.instant()));
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonObject session = json(response);
        assertThat(session.getString("name")).isEqualTo("ops-alice");
        assertThat(session.getString("role")).isEqualTo("global");
        assertThat(Instant.parse(session.getString("expiresAt"))).isEqualTo(clock.instant().plus(Duration.ofMinutes(15)));
        String token = session.getString("token");

        assertThat(api.send("POST", "/api/v1/domains", "{\"name\":\"c.test\"}", token).statusCode()).isEqualTo(201);
        assertThat(api.send("DELETE", "/api/v1/domains/c.test", null, token).statusCode()).isEqualTo(204);
        assertThat(api.send("GET", "/api/v1/queue", null, token).statusCode()).isEqualTo(200);
        assertThat(api.send("POST", "/api/v1/users", "{\"address\":\"bob@b.test\",\"password\":\"" + PASSWORD + "\"}",
                token).statusCode()).isEqualTo(201);
        HttpResponse<String> admins = api.send("GET", "/api/v1/admins", null, token);
        assertThat(admins.statusCode()).isEqualTo(200);
        assertThat(json(admins).getJsonArray("admins").getJsonObject(0)).isEqualTo(new JsonObject()
                .put("name", "ops-alice").put("role", "global").put("domains", new JsonArray()).put("totp", true)
                .put("createdAt", clock.instant().toString()));
        assertThat(admins.body()).doesNotContain(secret).doesNotContain("argon2");
    }

    @Test
    void aWrongCodeAWrongPasswordAndAnUnknownNameGetTheSameAnswerAndLockTheName() throws Exception {
        String secret = addAdmin("ops-alice", "global");
        String wrongCode = TotpCodes.code(secret, clock.instant().plus(Duration.ofMinutes(5)));

        HttpResponse<String> badCode = login("ops-alice", PASSWORD, wrongCode);
        HttpResponse<String> badPassword = login("ops-alice", "wrong password!", TotpCodes.code(secret, clock.instant()));
        HttpResponse<String> unknown = login("nobody", PASSWORD, "123456");
        for (HttpResponse<String> r : List.of(badCode, badPassword, unknown)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(json(r).getString("error")).isEqualTo(json(badCode).getString("error"));
            assertThat(json(r).containsKey("token")).isFalse();
        }

        // The harness locks an administrator after 3 failures: the right password and code are refused too.
        assertThat(login("ops-alice", PASSWORD, wrongCode).statusCode()).isEqualTo(401);
        assertThat(login("ops-alice", PASSWORD, TotpCodes.code(secret, clock.instant())).statusCode()).isEqualTo(401);
        assertThat(json(api.get("/api/v1/locks")).getJsonArray("locks").getJsonObject(0).getString("address"))
                .isEqualTo("admin:ops-alice");

        assertThat(api.delete("/api/v1/admins/ops-alice/lock").statusCode()).isEqualTo(204);
        assertThat(login("ops-alice", PASSWORD, TotpCodes.code(secret, clock.instant())).statusCode()).isEqualTo(201);
    }

    @Test
    void aSessionEndsWhenItExpiresWhenItsAdministratorLogsOutAndWhenItIsRemoved() throws Exception {
        String secret = addAdmin("ops-alice", "global");
        String expiring = session("ops-alice", secret);
        clock.advance(Duration.ofMinutes(14));
        assertThat(api.send("GET", "/api/v1/domains", null, expiring).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(1));
        HttpResponse<String> expired = api.send("GET", "/api/v1/domains", null, expiring);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"yubin\"");

        String elsewhere = session("ops-alice", secret);
        try (AdminAccounts otherMember = new AdminAccounts(api.storage.administrators(),
                new AccountLockout(api.storage.accountLocks(), AccountLockout.Policy.DEFAULT),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT,
                Duration.ofMinutes(15), clock)) {
            assertThat(otherMember.session(elsewhere).toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .as("a session opened here is known to another member over the same store")
                    .hasValueSatisfying(s -> assertThat(s.admin().name()).isEqualTo("ops-alice"));
            otherMember.logout(elsewhere).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertThat(api.send("GET", "/api/v1/domains", null, elsewhere).statusCode())
                .as("logged out on the other member").isEqualTo(401);

        String loggedOut = session("ops-alice", secret);
        assertThat(api.send("DELETE", "/api/v1/sessions", null, loggedOut).statusCode()).isEqualTo(204);
        assertThat(api.send("GET", "/api/v1/domains", null, loggedOut).statusCode()).isEqualTo(401);
        assertThat(api.send("DELETE", "/api/v1/sessions", null, AdminServerHarness.TOKEN).statusCode())
                .as("the bootstrap token is no session").isEqualTo(400);

        String removed = session("ops-alice", secret);
        assertThat(api.delete("/api/v1/admins/ops-alice").statusCode()).isEqualTo(204);
        assertThat(api.send("GET", "/api/v1/domains", null, removed).statusCode()).isEqualTo(401);
    }

    @Test
    void aCodeOpensOneSessionAndOnlyALaterCodeOpensTheNext() throws Exception {
        String secret = addAdmin("ops-alice", "global");
        String code = TotpCodes.code(secret, clock.instant());
        assertThat(login("ops-alice", PASSWORD, code).statusCode()).isEqualTo(201);

        HttpResponse<String> replayed = login("ops-alice", PASSWORD, code);
        assertThat(replayed.statusCode()).as("the same code again").isEqualTo(401);
        String previous = TotpCodes.code(secret, clock.instant().minusSeconds(TotpCodes.PERIOD_SECONDS));
        assertThat(login("ops-alice", PASSWORD, previous).statusCode()).as("an earlier step's code, still in the window")
                .isEqualTo(401);
        clock.advance(Duration.ofSeconds(TotpCodes.PERIOD_SECONDS));
        assertThat(login("ops-alice", PASSWORD, TotpCodes.code(secret, clock.instant())).statusCode()).isEqualTo(201);
        assertThat(auditLines.list).extracting(e -> e.getFormattedMessage()).noneMatch(m -> m.contains(code));
    }

    @Test
    void passwordTotpAndRoleChangeEndTheSessionsAndOnlyGlobalAdministratorsChangeOthers() throws Exception {
        String aliceSecret = addAdmin("ops-alice", "global");
        String bobSecret = addAdmin("ops-bob", "domain", "a.test");
        String bob = session("ops-bob", bobSecret);

        // Bob changes his own password; Alice's is not his to change, nor his role.
        assertThat(api.send("PUT", "/api/v1/admins/ops-alice/password", "{\"password\":\"a new long phrase\"}", bob)
                .statusCode()).isEqualTo(403);
        assertThat(api.send("PUT", "/api/v1/admins/ops-bob/role", "{\"role\":\"global\"}", bob).statusCode())
                .isEqualTo(403);
        assertThat(api.send("PUT", "/api/v1/admins/ops-bob/password", "{\"password\":\"short\"}", bob).statusCode())
                .as("the password policy").isEqualTo(400);
        assertThat(api.send("PUT", "/api/v1/admins/ops-bob/password", "{\"password\":\"a new long phrase\"}", bob)
                .statusCode()).isEqualTo(204);
        assertThat(api.send("GET", "/api/v1/users", null, bob).statusCode()).as("his sessions ended").isEqualTo(401);
        clock.advance(Duration.ofSeconds(TotpCodes.PERIOD_SECONDS));
        assertThat(login("ops-bob", PASSWORD, TotpCodes.code(bobSecret, clock.instant())).statusCode()).isEqualTo(401);
        clock.advance(Duration.ofSeconds(TotpCodes.PERIOD_SECONDS));
        HttpResponse<String> relogin = login("ops-bob", "a new long phrase", TotpCodes.code(bobSecret, clock.instant()));
        assertThat(relogin.statusCode()).isEqualTo(201);
        bob = json(relogin).getString("token");

        // A lost authenticator: enrolled afresh, the old secret's codes open nothing.
        String alice = session("ops-alice", aliceSecret);
        HttpResponse<String> enrolled = api.send("POST", "/api/v1/admins/ops-bob/totp", null, alice);
        assertThat(enrolled.statusCode()).isEqualTo(201);
        String newSecret = json(enrolled).getString("secret");
        assertThat(newSecret).isNotEqualTo(bobSecret);
        assertThat(json(enrolled).getString("uri")).contains("secret=" + newSecret);
        assertThat(api.send("GET", "/api/v1/users", null, bob).statusCode()).isEqualTo(401);
        clock.advance(Duration.ofSeconds(TotpCodes.PERIOD_SECONDS));
        assertThat(login("ops-bob", "a new long phrase", TotpCodes.code(bobSecret, clock.instant())).statusCode())
                .isEqualTo(401);
        assertThat(api.delete("/api/v1/admins/ops-bob/lock").statusCode()).isEqualTo(204);
        clock.advance(Duration.ofSeconds(TotpCodes.PERIOD_SECONDS));
        relogin = login("ops-bob", "a new long phrase", TotpCodes.code(newSecret, clock.instant()));
        assertThat(relogin.statusCode()).isEqualTo(201);
        bob = json(relogin).getString("token");

        // A new role, from a global administrator only; Bob's sessions end with his old role.
        assertThat(api.send("PUT", "/api/v1/admins/ops-bob/role", "{\"role\":\"domain\",\"domains\":[\"nowhere.test\"]}",
                alice).statusCode()).isEqualTo(404);
        assertThat(api.send("PUT", "/api/v1/admins/ops-bob/role", "{\"role\":\"domain\"}", alice).statusCode())
                .as("a domain administrator without domains").isEqualTo(400);
        HttpResponse<String> promoted = api.send("PUT", "/api/v1/admins/ops-bob/role",
                "{\"role\":\"domain\",\"domains\":[\"a.test\",\"b.test\"]}", alice);
        assertThat(promoted.statusCode()).isEqualTo(200);
        assertThat(json(promoted).getJsonArray("domains")).containsExactlyInAnyOrder("a.test", "b.test");
        assertThat(api.send("GET", "/api/v1/users", null, bob).statusCode()).isEqualTo(401);
        assertThat(api.put("/api/v1/admins/nobody/role", "{\"role\":\"global\"}").statusCode()).isEqualTo(404);
        assertThat(api.put("/api/v1/admins/nobody/password", "{\"password\":\"a new long phrase\"}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void aDomainAdministratorManagesItsDomainsAndIsRefusedEverythingElse() throws Exception {
        String secret = addAdmin("a-admin", "domain", "a.test");
        String token = session("a-admin", secret);
        String user = "{\"address\":\"%s\",\"password\":\"" + PASSWORD + "\"}";

        assertThat(api.post("/api/v1/users", user.formatted("bob@b.test")).statusCode()).isEqualTo(201);
        assertThat(api.send("POST", "/api/v1/users", user.formatted("carol@a.test"), token).statusCode()).isEqualTo(201);
        assertThat(api.send("PUT", "/api/v1/users/carol@a.test/password", "{\"password\":\"another long one\"}", token)
                .statusCode()).isEqualTo(204);
        assertThat(api.send("POST", "/api/v1/aliases", "{\"source\":\"info@a.test\",\"target\":\"carol@a.test\"}",
                token).statusCode()).isEqualTo(201);
        assertThat(api.send("POST", "/api/v1/users/carol@a.test/app-passwords", "{}", token).statusCode())
                .isEqualTo(201);
        assertThat(api.send("POST", "/api/v1/users/carol@a.test/totp", null, token).statusCode()).isEqualTo(201);
        assertThat(api.send("PUT", "/api/v1/users/carol@a.test/quota", "{\"messages\":500}", token).statusCode())
                .as("a user's quota in its domain").isEqualTo(200);
        assertThat(api.send("GET", "/api/v1/domains/a.test/quota", null, token).statusCode()).isEqualTo(200);

        HttpResponse<String> users = api.send("GET", "/api/v1/users", null, token);
        assertThat(json(users).getJsonArray("users")).extracting(u -> ((JsonObject) u).getString("address"))
                .containsExactly("carol@a.test");
        assertThat(json(api.send("GET", "/api/v1/domains", null, token)).getJsonArray("domains"))
                .extracting(d -> ((JsonObject) d).getString("name")).containsExactly("a.test");

        HttpResponse<String> otherDomain = api.send("POST", "/api/v1/users", user.formatted("dave@b.test"), token);
        assertThat(otherDomain.statusCode()).isEqualTo(403);
        assertThat(json(otherDomain).getString("error"))
                .isEqualTo("administrator a-admin does not manage the domain b.test");
        for (String[] request : List.of(
                new String[] {"DELETE", "/api/v1/users/bob@b.test", null},
                new String[] {"GET", "/api/v1/users/bob@b.test", null},
                new String[] {"GET", "/api/v1/domains/b.test", null},
                new String[] {"PUT", "/api/v1/users/bob@b.test/password", "{\"password\":\"another long one\"}"},
                new String[] {"GET", "/api/v1/users?domain=b.test", null},
                new String[] {"GET", "/api/v1/aliases?domain=b.test", null},
                new String[] {"POST", "/api/v1/aliases", "{\"source\":\"x@b.test\",\"target\":\"carol@a.test\"}"},
                new String[] {"GET", "/api/v1/users/bob@b.test/app-passwords", null},
                new String[] {"DELETE", "/api/v1/users/bob@b.test/lock", null},
                new String[] {"POST", "/api/v1/users/bob@b.test/totp", null},
                new String[] {"DELETE", "/api/v1/domains/a.test", null},
                new String[] {"PUT", "/api/v1/domains/a.test/quota", "{\"storageBytes\":0}"},
                new String[] {"GET", "/api/v1/domains/b.test/quota", null},
                new String[] {"PUT", "/api/v1/users/bob@b.test/quota", "{\"messages\":1}"},
                new String[] {"POST", "/api/v1/domains", "{\"name\":\"c.test\"}"},
                new String[] {"GET", "/api/v1/queue", null},
                new String[] {"DELETE", "/api/v1/queue/0000", null},
                new String[] {"GET", "/api/v1/admins", null},
                new String[] {"POST", "/api/v1/admins", "{\"name\":\"x\",\"password\":\"" + PASSWORD
                        + "\",\"role\":\"global\"}"})) {
            HttpResponse<String> refused = api.send(request[0], request[1], request[2], token);
            assertThat(refused.statusCode()).as(request[0] + " " + request[1] + ": " + refused.body()).isEqualTo(403);
            assertThat(json(refused).getString("error")).isNotBlank();
        }
        assertThat(api.get("/api/v1/users?domain=b.test").body()).as("nothing happened").contains("bob@b.test");
        assertThat(api.get("/api/v1/domains").body()).contains("a.test");

        // carol, a.test's first user, also takes abuse@b.test: removing her hands a.test's role addresses to
        // erin and b.test's to bob, and the domain administrator is told of its own domain's only.
        assertThat(api.delete("/api/v1/aliases/abuse@b.test").statusCode()).isEqualTo(204);
        assertThat(api.post("/api/v1/aliases", "{\"source\":\"abuse@b.test\",\"target\":\"carol@a.test\"}")
                .statusCode()).isEqualTo(201);
        assertThat(api.send("POST", "/api/v1/users", user.formatted("erin@a.test"), token).statusCode()).isEqualTo(201);
        HttpResponse<String> removed = api.send("DELETE", "/api/v1/users/carol@a.test", null, token);
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(json(removed).getJsonArray("roleAliases")).extracting(a -> ((JsonObject) a).getString("source")
                + " " + ((JsonObject) a).getString("target"))
                .containsExactlyInAnyOrder("abuse@a.test erin@a.test", "postmaster@a.test erin@a.test");
        assertThat(api.get("/api/v1/aliases?domain=b.test").body()).contains(
                "{\"source\":\"abuse@b.test\",\"target\":\"bob@b.test\"}");
    }

    @Test
    void theAuditLogRecordsWhoWhatFromWhereAndTheOutcomeButNeverAPassword() throws Exception {
        String secret = addAdmin("ops-alice", "domain", "a.test");
        String token = session("ops-alice", secret);
        api.send("POST", "/api/v1/users", "{\"address\":\"carol@a.test\",\"password\":\"" + PASSWORD + "\"}", token);
        api.send("DELETE", "/api/v1/users/bob@b.test", null, token);
        login("ops-alice", "wrong password!", "000000");
        api.get("/api/v1/domains");

        assertThat(auditLines.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).isEqualTo("admin action"));
        List<String> lines = auditLines.list.stream().map(e -> e.getKeyValuePairs().stream()
                .map(kv -> kv.key + "=" + kv.value).collect(Collectors.joining(" "))).toList();
        assertThat(lines).noneMatch(line -> line.contains(PASSWORD) || line.contains(secret) || line.contains(token));
        assertThat(lines).noneMatch(line -> line.contains("method=GET"));
        assertThat(lines).anySatisfy(line -> assertThat(line).matches("at=\\S+ who=bootstrap-token client=127\\.0\\.0\\.1 "
                + "method=POST path=/api/v1/admins target=ops-alice status=201"));
        assertThat(lines).anySatisfy(line -> assertThat(line).endsWith("who=ops-alice client=127.0.0.1 method=POST "
                + "path=/api/v1/sessions target=ops-alice status=201"));
        assertThat(lines).anySatisfy(line -> assertThat(line).endsWith("who=ops-alice client=127.0.0.1 method=POST "
                + "path=/api/v1/users target=carol@a.test status=201"));
        assertThat(lines).anySatisfy(line -> assertThat(line).endsWith("who=ops-alice client=127.0.0.1 "
                + "method=DELETE path=/api/v1/users/bob@b.test target=bob@b.test status=403"));
        assertThat(lines).anySatisfy(line -> assertThat(line).endsWith("who=- client=127.0.0.1 method=POST "
                + "path=/api/v1/sessions target=ops-alice status=401"));
        assertThat(auditLines.list).allSatisfy(e -> assertThat(e.getLoggerName()).isEqualTo("yubin.audit"));

        String scrape = api.metrics.scrape();
        assertThat(scrape).contains("yubin_admin_actions_total{outcome=\"success\"}")
                .contains("yubin_admin_actions_total{outcome=\"denied\"}");
    }

    @Test
    void administratorsAreValidatedAndNamedOnce() throws Exception {
        addAdmin("ops-alice", "global");
        String body = "{\"name\":\"%s\",\"password\":\"" + PASSWORD + "\",\"role\":\"%s\",\"domains\":%s}";
        assertThat(api.post("/api/v1/admins", body.formatted("ops-alice", "global", "[]")).statusCode()).isEqualTo(409);
        assertThat(api.post("/api/v1/admins", body.formatted("x", "domain", "[]")).statusCode()).isEqualTo(400);
        assertThat(api.post("/api/v1/admins", body.formatted("x", "global", "[\"a.test\"]")).statusCode())
                .isEqualTo(400);
        assertThat(api.post("/api/v1/admins", body.formatted("x", "root", "[]")).statusCode()).isEqualTo(400);
        assertThat(api.post("/api/v1/admins", body.formatted("alice@a.test", "global", "[]")).statusCode())
                .isEqualTo(400);
        assertThat(api.post("/api/v1/admins", "{\"name\":\"x\",\"password\":\"short\",\"role\":\"global\"}")
                .statusCode()).isEqualTo(400);
        HttpResponse<String> unknownDomain = api.post("/api/v1/admins", body.formatted("x", "domain", "[\"c.test\"]"));
        assertThat(unknownDomain.statusCode()).isEqualTo(404);
        assertThat(json(unknownDomain).getString("field")).isEqualTo("domains");
        assertThat(api.get("/api/v1/admins/nobody").statusCode()).isEqualTo(404);
        assertThat(api.delete("/api/v1/admins/nobody").statusCode()).isEqualTo(404);
        assertThat(json(api.get("/api/v1/admins/ops-alice")).getString("role")).isEqualTo("global");
    }

    /** Starts at the real time (the lockout's store keeps real instants) and moves when told. */
    private static final class MovableClock extends Clock {

        private volatile Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
