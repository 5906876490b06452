package io.yubin.web;

import static io.yubin.web.AdminServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code /api/v1} routes over a real embedded store and real {@code Accounts}. */
class AdminApiTest {

    private static final String STRONG = "correct horse battery";

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dataDir;

    private AdminServerHarness api;

    @BeforeEach
    void start() throws Exception {
        api = new AdminServerHarness(dataDir, List.of());
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
    }

    // --- domains ---

    @Test
    void addsListsAndRemovesDomains() throws Exception {
        HttpResponse<String> created = api.post("/api/v1/domains", "{\"name\":\"Example.TEST\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created)).isEqualTo(new JsonObject().put("name", "example.test").put("unicode", "example.test"));
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");

        assertThat(json(api.get("/api/v1/domains")).getJsonArray("domains"))
                .containsExactly(new JsonObject().put("name", "example.test").put("unicode", "example.test"));
        // One domain, named in any case.
        HttpResponse<String> one = api.get("/api/v1/domains/EXAMPLE.test");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one)).isEqualTo(new JsonObject().put("name", "example.test").put("unicode", "example.test"));

        assertThat(api.delete("/api/v1/domains/example.test").statusCode()).isEqualTo(204);
        assertThat(json(api.get("/api/v1/domains")).getJsonArray("domains")).isEmpty();
        assertError(api.get("/api/v1/domains/example.test"), 404, "name");
        assertError(api.get("/api/v1/domains/bad..name"), 400, "name");
    }

    @Test
    void showsAnInternationalizedDomainAsALabelAndUnicode() throws Exception {
        HttpResponse<String> created = api.post("/api/v1/domains", "{\"name\":\"bücher.example\"}");

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).getString("name")).isEqualTo("xn--bcher-kva.example");
        assertThat(json(created).getString("unicode")).isEqualTo("bücher.example");
        assertThat(api.delete("/api/v1/domains/b%C3%BCcher.example").statusCode()).isEqualTo(204);
    }

    @Test
    void rejectsAnInvalidDomainNameNamingTheField() throws Exception {
        HttpResponse<String> response = api.post("/api/v1/domains", "{\"name\":\"bad..name\"}");

        assertError(response, 400, "name");
        assertThat(json(response).getString("error")).startsWith("invalid name: ");
    }

    @Test
    void refusesADuplicateDomainWithConflict() throws Exception {
        addDomain("example.test");

        assertThat(api.post("/api/v1/domains", "{\"name\":\"example.test\"}").statusCode()).isEqualTo(409);
    }

    @Test
    void refusesToRemoveADomainThatStillHasUsers() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        assertThat(api.delete("/api/v1/domains/example.test").statusCode()).isEqualTo(409);
        assertThat(json(api.get("/api/v1/domains")).getJsonArray("domains")).hasSize(1);
    }

    @Test
    void removingAnUnknownDomainIsNotFound() throws Exception {
        assertThat(api.delete("/api/v1/domains/nowhere.test").statusCode()).isEqualTo(404);
    }

    // --- users ---

    @Test
    void setsAndShowsUsersAndDomainsQuotasLeavingOutFieldsAsTheyWere() throws Exception {
        addDomain("example.test");
        assertThat(api.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"" + STRONG
                + "\",\"quotaBytes\":1048576,\"quotaMessages\":100}").statusCode()).isEqualTo(201);

        JsonObject alice = json(api.get("/api/v1/users/alice@example.test/quota"));
        assertThat(alice.getMap()).containsExactlyInAnyOrderEntriesOf(Map.of("storageBytes", 1048576, "messages", 100,
                "usedBytes", 0, "usedMessages", 0));
        JsonObject changed = json(api.put("/api/v1/users/alice@example.test/quota", "{\"messages\":0}"));
        assertThat(changed.getLong("storageBytes")).as("left out: as it was").isEqualTo(1048576L);
        assertThat(changed.getLong("messages")).isZero();

        JsonObject domain = json(api.put("/api/v1/domains/example.test/quota", "{\"storageBytes\":1073741824}"));
        assertThat(domain.getLong("storageBytes")).isEqualTo(1073741824L);
        assertThat(domain.getLong("messages")).isZero();
        assertThat(json(api.get("/api/v1/domains/example.test/quota")).getLong("storageBytes")).isEqualTo(1073741824L);

        HttpResponse<String> negative = api.put("/api/v1/users/alice@example.test/quota", "{\"storageBytes\":-1}");
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(json(negative).getString("error")).isEqualTo("field \"storageBytes\" must not be negative");
        assertThat(api.put("/api/v1/users/alice@example.test/quota", "{\"storage\":1}").statusCode())
                .as("unknown field").isEqualTo(400);
        assertThat(api.get("/api/v1/users/nobody@example.test/quota").statusCode()).isEqualTo(404);
        assertThat(api.put("/api/v1/domains/elsewhere.test/quota", "{\"messages\":1}").statusCode()).isEqualTo(404);
        assertThat(api.get("/api/v1/domains/elsewhere.test/quota").statusCode()).isEqualTo(404);
    }

    @Test
    void createsAUserWithoutExposingThePasswordHash() throws Exception {
        addDomain("example.test");
        Instant before = Instant.now().minusSeconds(1);

        HttpResponse<String> created = api.post("/api/v1/users",
                "{\"address\":\"alice@example.test\",\"password\":\"" + STRONG + "\",\"quotaBytes\":1048576}");

        assertThat(created.statusCode()).isEqualTo(201);
        JsonObject user = json(created);
        assertThat(user.fieldNames()).containsExactlyInAnyOrder("address", "quotaBytes", "quotaMessages", "createdAt",
                "twoFactor", "roleAliases");
        assertThat(user.getJsonArray("roleAliases")).as("the domain's first user")
                .containsExactly("abuse@example.test", "postmaster@example.test");
        assertThat(json(api.post("/api/v1/users", "{\"address\":\"bob@example.test\",\"password\":\"" + STRONG + "\"}"))
                .getJsonArray("roleAliases")).isEmpty();
        assertThat(user.getLong("quotaMessages")).isZero();
        assertThat(user.getBoolean("twoFactor")).isFalse();
        assertThat(user.getString("address")).isEqualTo("alice@example.test");
        assertThat(user.getLong("quotaBytes")).isEqualTo(1048576L);
        assertThat(Instant.parse(user.getString("createdAt"))).isAfter(before);
        assertThat(created.body()).doesNotContain("argon2").doesNotContain(STRONG);
    }

    @Test
    void aCreatedUserCanLogInWithThePasswordGiven() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        assertThat(authenticate("alice@example.test", STRONG)).hasValue(MailAddress.parse("alice@example.test"));
        assertThat(authenticate("alice@example.test", "wrong password!")).isEmpty();
    }

    @Test
    void quotaDefaultsToUnlimited() throws Exception {
        addDomain("example.test");

        HttpResponse<String> created = api.post("/api/v1/users",
                "{\"address\":\"alice@example.test\",\"password\":\"" + STRONG + "\"}");

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).getLong("quotaBytes")).isZero();
    }

    @Test
    void listsUsersOfAllDomainsOrOfOne() throws Exception {
        addDomain("example.test");
        addDomain("other.test");
        addUser("bob@example.test");
        addUser("alice@example.test");
        addUser("carol@other.test");

        assertThat(addresses(api.get("/api/v1/users"), "users", "address"))
                .containsExactly("alice@example.test", "bob@example.test", "carol@other.test");
        assertThat(addresses(api.get("/api/v1/users?domain=other.test"), "users", "address"))
                .containsExactly("carol@other.test");
    }

    @Test
    void rejectsAnInvalidDomainFilterNamingTheField() throws Exception {
        assertError(api.get("/api/v1/users?domain=bad..name"), 400, "domain");
    }

    @Test
    void rejectsAnInvalidAddressWithTheParsersMessage() throws Exception {
        addDomain("example.test");

        HttpResponse<String> response = api.post("/api/v1/users",
                "{\"address\":\"no-at-sign\",\"password\":\"" + STRONG + "\"}");

        assertError(response, 400, "address");
        assertThat(json(response).getString("error")).isEqualTo("invalid address: address has no '@' after the local part at position 10");
    }

    @Test
    void rejectsAWeakPasswordNamingTheField() throws Exception {
        addDomain("example.test");

        HttpResponse<String> response = api.post("/api/v1/users",
                "{\"address\":\"alice@example.test\",\"password\":\"short\"}");

        assertError(response, 400, "password");
        assertThat(json(response).getString("error")).contains("at least 10 characters");
        assertThat(response.body()).doesNotContain("short\"");
    }

    @Test
    void rejectsAMissingPasswordNamingTheField() throws Exception {
        addDomain("example.test");

        assertError(api.post("/api/v1/users", "{\"address\":\"alice@example.test\"}"), 400, "password");
    }

    @Test
    void rejectsAPasswordThatIsNotAString() throws Exception {
        addDomain("example.test");

        assertError(api.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":12345678901}"),
                400, "password");
    }

    @Test
    void rejectsAQuotaThatIsNotAWholeNumber() throws Exception {
        addDomain("example.test");

        assertError(api.post("/api/v1/users",
                "{\"address\":\"alice@example.test\",\"password\":\"" + STRONG + "\",\"quotaBytes\":\"lots\"}"),
                400, "quotaBytes");
    }

    @Test
    void rejectsANegativeQuota() throws Exception {
        addDomain("example.test");

        assertError(api.post("/api/v1/users",
                "{\"address\":\"alice@example.test\",\"password\":\"" + STRONG + "\",\"quotaBytes\":-1}"),
                400, "quotaBytes");
    }

    @Test
    void rejectsAnUnknownFieldNamingIt() throws Exception {
        addDomain("example.test");

        assertError(api.post("/api/v1/users",
                "{\"address\":\"alice@example.test\",\"password\":\"" + STRONG + "\",\"quota_bytes\":5}"),
                400, "quota_bytes");
    }

    @Test
    void refusesADuplicateUserWithConflict() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        HttpResponse<String> response = api.post("/api/v1/users",
                "{\"address\":\"ALICE@example.test\",\"password\":\"" + STRONG + "\"}");

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(json(response).getString("error")).isNotBlank();
    }

    @Test
    void aUserInADomainThatIsNotLocalIsNotFound() throws Exception {
        assertError(api.post("/api/v1/users",
                "{\"address\":\"alice@elsewhere.test\",\"password\":\"" + STRONG + "\"}"), 404, "address");
    }

    @Test
    void changesAPassword() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        HttpResponse<String> changed = api.put("/api/v1/users/alice@example.test/password",
                "{\"password\":\"a brand new secret\"}");

        assertThat(changed.statusCode()).isEqualTo(204);
        assertThat(changed.body()).isEmpty();
        assertThat(authenticate("alice@example.test", "a brand new secret")).isPresent();
        assertThat(authenticate("alice@example.test", STRONG)).isEmpty();
    }

    @Test
    void changingThePasswordOfAnUnknownUserIsNotFound() throws Exception {
        addDomain("example.test");

        assertError(api.put("/api/v1/users/nobody@example.test/password", "{\"password\":\"" + STRONG + "\"}"),
                404, "address");
    }

    @Test
    void changingToAWeakPasswordIsRefused() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        assertError(api.put("/api/v1/users/alice@example.test/password", "{\"password\":\"alice-1234567\"}"),
                400, "password");
        assertThat(authenticate("alice@example.test", STRONG)).isPresent();
    }

    @Test
    void removesAUser() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");
        addUser("bob@example.test");

        HttpResponse<String> shown = api.get("/api/v1/users/Alice%40example.test");
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(json(shown).fieldNames()).containsExactlyInAnyOrder("address", "quotaBytes", "quotaMessages",
                "createdAt", "twoFactor");
        assertThat(json(shown).getString("address")).isEqualTo("alice@example.test");
        assertThat(shown.body()).doesNotContain("argon2");

        // alice, the first user, took postmaster@ and abuse@; bob, the earliest left, takes them over.
        var removed = api.delete("/api/v1/users/alice%40example.test");
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(json(removed).getJsonArray("roleAliases").stream().map(Object::toString).toList())
                .containsExactlyInAnyOrder("{\"source\":\"abuse@example.test\",\"target\":\"bob@example.test\"}",
                        "{\"source\":\"postmaster@example.test\",\"target\":\"bob@example.test\"}");
        assertThat(authenticate("alice@example.test", STRONG)).isEmpty();
        removed = api.delete("/api/v1/users/bob%40example.test");
        assertThat(json(removed).getJsonArray("roleAliases")).isEmpty();
        assertError(api.get("/api/v1/users/bob%40example.test"), 404, "address");
        assertError(api.get("/api/v1/users/not-an-address"), 400, "address");
        assertThat(json(api.get("/api/v1/users")).getJsonArray("users")).isEmpty();
        assertThat(json(api.get("/api/v1/aliases")).getJsonArray("aliases")).isEmpty();
    }

    @Test
    void removingAnUnknownUserIsNotFound() throws Exception {
        addDomain("example.test");

        assertError(api.delete("/api/v1/users/nobody@example.test"), 404, "address");
    }

    @Test
    void rejectsAnInvalidAddressInThePath() throws Exception {
        assertError(api.delete("/api/v1/users/not-an-address"), 400, "address");
    }

    // --- aliases ---

    @Test
    void addsListsAndRemovesAliases() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");
        // The domain's first user took its postmaster and abuse mail (RFC 5321 §4.5.1, RFC 2142).
        JsonObject abuse = new JsonObject().put("source", "abuse@example.test").put("target", "alice@example.test");
        JsonObject postmaster = new JsonObject().put("source", "postmaster@example.test").put("target", "alice@example.test");
        assertThat(json(api.get("/api/v1/aliases")).getJsonArray("aliases")).containsExactly(abuse, postmaster);

        HttpResponse<String> created = api.post("/api/v1/aliases",
                "{\"source\":\"info@example.test\",\"target\":\"alice@example.test\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created)).isEqualTo(
                new JsonObject().put("source", "info@example.test").put("target", "alice@example.test"));
        assertThat(api.post("/api/v1/aliases", "{\"source\":\"@example.test\",\"target\":\"alice@example.test\"}")
                .statusCode()).isEqualTo(201);

        assertThat(json(api.get("/api/v1/aliases?domain=example.test")).getJsonArray("aliases")).containsExactly(
                new JsonObject().put("source", "@example.test").put("target", "alice@example.test"), abuse,
                new JsonObject().put("source", "info@example.test").put("target", "alice@example.test"), postmaster);

        assertThat(api.delete("/api/v1/aliases/@example.test").statusCode()).isEqualTo(204);
        assertThat(api.delete("/api/v1/aliases/info@example.test?target=alice@example.test").statusCode())
                .isEqualTo(204);
        assertThat(json(api.get("/api/v1/aliases")).getJsonArray("aliases")).containsExactly(abuse, postmaster);
    }

    @Test
    void removesOnlyTheNamedTargetOfAnAlias() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");
        addUser("bob@example.test");
        addAlias("team@example.test", "alice@example.test");
        addAlias("team@example.test", "bob@example.test");

        assertThat(api.delete("/api/v1/aliases/team@example.test?target=bob@example.test").statusCode())
                .isEqualTo(204);

        assertThat(json(api.get("/api/v1/aliases")).getJsonArray("aliases"))
                .contains(new JsonObject().put("source", "team@example.test").put("target", "alice@example.test"))
                .doesNotContain(new JsonObject().put("source", "team@example.test").put("target", "bob@example.test"));
    }

    @Test
    void refusesAnAliasLoopNamingTheTarget() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");
        addAlias("a@example.test", "alice@example.test");
        addAlias("b@example.test", "a@example.test");

        assertError(api.post("/api/v1/aliases", "{\"source\":\"a@example.test\",\"target\":\"b@example.test\"}"),
                409, "target");
    }

    @Test
    void rejectsAnInvalidAliasSourceNamingTheField() throws Exception {
        assertError(api.post("/api/v1/aliases", "{\"source\":\"@\",\"target\":\"alice@example.test\"}"),
                400, "source");
    }

    @Test
    void rejectsAMissingAliasTargetNamingTheField() throws Exception {
        assertError(api.post("/api/v1/aliases", "{\"source\":\"a@example.test\"}"), 400, "target");
    }

    @Test
    void removingAnUnknownAliasIsNotFound() throws Exception {
        addDomain("example.test");

        assertThat(api.delete("/api/v1/aliases/nobody@example.test").statusCode()).isEqualTo(404);
    }

    // --- account locks ---

    @Test
    void listsLocksAndUnlocksAnAccount() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");
        for (int i = 0; i < 10; i++) {
            api.accounts.login("alice@example.test", ("wrong " + i).toCharArray(), "192.0.2." + i)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        JsonArray locks = json(api.get("/api/v1/locks")).getJsonArray("locks");
        assertThat(locks).hasSize(1);
        JsonObject lock = locks.getJsonObject(0);
        assertThat(lock.fieldNames()).containsExactlyInAnyOrder("address", "until", "lockedAt", "client");
        assertThat(lock.getString("address")).isEqualTo("alice@example.test");
        assertThat(lock.getString("client")).isEqualTo("192.0.2.9");
        assertThat(Instant.parse(lock.getString("until"))).isAfter(Instant.parse(lock.getString("lockedAt")));

        assertThat(api.delete("/api/v1/users/Alice@example.test/lock").statusCode()).isEqualTo(204);
        assertThat(json(api.get("/api/v1/locks")).getJsonArray("locks")).isEmpty();
        assertThat(api.delete("/api/v1/users/alice@example.test/lock").statusCode()).as("not locked: the same end")
                .isEqualTo(204);
        assertError(api.delete("/api/v1/users/not-an-address/lock"), 400, "address");
    }

    // --- two-factor authentication ---

    @Test
    void enablesVerifiesAndDisablesTotp() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        HttpResponse<String> enabled = api.post("/api/v1/users/alice@example.test/totp", "{}");
        assertThat(enabled.statusCode()).isEqualTo(201);
        JsonObject enrolment = json(enabled);
        assertThat(enrolment.fieldNames()).containsExactlyInAnyOrder("secret", "uri");
        assertThat(enrolment.getString("uri")).startsWith("otpauth://totp/Yubin:alice@example.test?secret="
                + enrolment.getString("secret") + "&");
        assertThat(json(api.get("/api/v1/users")).getJsonArray("users").getJsonObject(0).getBoolean("twoFactor"))
                .isTrue();
        assertThat(api.get("/api/v1/users").body()).doesNotContain(enrolment.getString("secret"));
        assertThat(authenticate("alice@example.test", STRONG)).isEmpty();

        String code = io.yubin.store.TotpCodes.code(enrolment.getString("secret"), Instant.now());
        HttpResponse<String> verified = api.post("/api/v1/users/alice@example.test/totp/verify",
                "{\"code\":\"" + code + "\"}");
        assertThat(verified.statusCode()).isEqualTo(200);
        assertThat(json(verified)).isEqualTo(new JsonObject().put("valid", true));
        assertError(api.post("/api/v1/users/alice@example.test/totp/verify", "{\"code\":\"12\"}"), 400, "code");

        assertThat(api.delete("/api/v1/users/alice@example.test/totp").statusCode()).isEqualTo(204);
        assertThat(authenticate("alice@example.test", STRONG)).isPresent();
        assertError(api.post("/api/v1/users/alice@example.test/totp/verify", "{\"code\":\"123456\"}"), 409,
                "address");
        assertThat(api.post("/api/v1/users/nobody@example.test/totp", "{}").statusCode()).isEqualTo(404);
    }

    // --- app passwords ---

    @Test
    void createsAnAppPasswordShownOnlyOnce() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        HttpResponse<String> created = api.post("/api/v1/users/alice@example.test/app-passwords",
                "{\"label\":\"phone\"}");

        assertThat(created.statusCode()).isEqualTo(201);
        JsonObject password = json(created);
        assertThat(password.fieldNames()).containsExactlyInAnyOrder("id", "label", "createdAt", "password");
        assertThat(password.getString("label")).isEqualTo("phone");
        assertThat(authenticate("alice@example.test", password.getString("password"))).isPresent();

        HttpResponse<String> listed = api.get("/api/v1/users/alice@example.test/app-passwords");
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonArray list = json(listed).getJsonArray("appPasswords");
        assertThat(list).containsExactly(new JsonObject().put("id", password.getString("id"))
                .put("label", "phone").put("createdAt", password.getString("createdAt")));
        assertThat(listed.body()).doesNotContain(password.getString("password"));
    }

    @Test
    void revokesAnAppPassword() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");
        JsonObject password = json(api.post("/api/v1/users/alice@example.test/app-passwords", "{\"label\":\"laptop\"}"));

        String path = "/api/v1/users/alice@example.test/app-passwords/" + password.getString("id");
        assertThat(api.delete(path).statusCode()).isEqualTo(204);

        assertThat(json(api.get("/api/v1/users/alice@example.test/app-passwords")).getJsonArray("appPasswords"))
                .isEmpty();
        assertThat(authenticate("alice@example.test", password.getString("password"))).isEmpty();
        assertThat(api.delete(path).statusCode()).isEqualTo(404);
    }

    @Test
    void appPasswordsOfAnUnknownUserAreNotFound() throws Exception {
        addDomain("example.test");

        assertThat(api.get("/api/v1/users/nobody@example.test/app-passwords").statusCode()).isEqualTo(404);
        assertThat(api.post("/api/v1/users/nobody@example.test/app-passwords", "{\"label\":\"phone\"}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void rejectsAnAppPasswordLabelThatIsNotAString() throws Exception {
        addDomain("example.test");
        addUser("alice@example.test");

        assertError(api.post("/api/v1/users/alice@example.test/app-passwords", "{\"label\":[1]}"), 400, "label");
    }

    // --- authentication ---

    @Test
    void refusesARequestWithoutAToken() throws Exception {
        HttpResponse<String> response = api.send("GET", "/api/v1/domains", null, null);

        assertError(response, 401, null);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Bearer"));
    }

    @Test
    void refusesAWrongToken() throws Exception {
        HttpResponse<String> response = api.send("POST", "/api/v1/domains", "{\"name\":\"example.test\"}",
                AdminServerHarness.TOKEN + "x");

        assertError(response, 401, null);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(json(api.get("/api/v1/domains")).getJsonArray("domains")).isEmpty();
    }

    @Test
    void refusesAnAuthorizationSchemeOtherThanBearer() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                ("admin:" + AdminServerHarness.TOKEN).getBytes(StandardCharsets.UTF_8));

        assertError(api.sendWithAuthorization("/api/v1/domains", basic), 401, null);
        assertError(api.sendWithAuthorization("/api/v1/domains", AdminServerHarness.TOKEN), 401, null);
    }

    @Test
    void acceptsTheBearerSchemeInAnyCase() throws Exception {
        assertThat(api.sendWithAuthorization("/api/v1/domains", "bearer " + AdminServerHarness.TOKEN).statusCode())
                .isEqualTo(200);
    }

    @Test
    void refusesAnUnauthenticatedRequestBeforeSayingWhetherTheRouteExists() throws Exception {
        assertError(api.send("GET", "/api/v1/nothing-here", null, null), 401, null);
        assertError(api.send("PATCH", "/api/v1/domains", "{}", null), 401, null);
    }

    @Test
    void needsNoTokenForHealthAndMetrics() throws Exception {
        assertThat(api.send("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        assertThat(api.send("GET", "/health/ready", null, null).statusCode()).isEqualTo(200);
        assertThat(api.send("GET", "/metrics", null, null).statusCode()).isEqualTo(200);
    }

    // --- malformed requests ---

    @Test
    void rejectsMalformedJson() throws Exception {
        HttpResponse<String> response = api.post("/api/v1/domains", "{\"name\":");

        assertError(response, 400, null);
        assertThat(json(response).getString("error")).isEqualTo("request body is not valid JSON");
    }

    @Test
    void rejectsABodyThatIsNotAnObject() throws Exception {
        assertError(api.post("/api/v1/domains", "[\"example.test\"]"), 400, null);
        assertError(api.post("/api/v1/domains", ""), 400, null);
    }

    @Test
    void rejectsABodyLargerThan64KiB() throws Exception {
        String huge = "{\"name\":\"" + "a".repeat(AdminServer.MAX_BODY_BYTES) + "\"}";

        assertError(api.post("/api/v1/domains", huge), 413, null);
    }

    @Test
    void answersUnknownRoutesWithJson() throws Exception {
        assertError(api.get("/api/v1/nothing-here"), 404, null);
        assertError(api.send("PATCH", "/api/v1/domains", "{}", AdminServerHarness.TOKEN), 405, null);
    }

    private void addDomain(String name) throws Exception {
        assertThat(api.post("/api/v1/domains", new JsonObject().put("name", name).encode()).statusCode())
                .isEqualTo(201);
    }

    private void addUser(String address) throws Exception {
        HttpResponse<String> response = api.post("/api/v1/users",
                new JsonObject().put("address", address).put("password", STRONG).encode());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private void addAlias(String source, String target) throws Exception {
        HttpResponse<String> response = api.post("/api/v1/aliases",
                new JsonObject().put("source", source).put("target", target).encode());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private Optional<MailAddress> authenticate(String login, String secret) throws Exception {
        return api.accounts.authenticate(login, secret.toCharArray()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static List<String> addresses(HttpResponse<String> response, String list, String key) {
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).getJsonArray(list).stream().map(o -> ((JsonObject) o).getString(key)).toList();
    }

    private static void assertError(HttpResponse<String> response, int status, String field) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonObject body = json(response);
        assertThat(body.getString("error")).isNotBlank();
        if (field == null) {
            assertThat(body.containsKey("field")).as("no field in " + body).isFalse();
        } else {
            assertThat(body.getString("field")).isEqualTo(field);
        }
    }
}
