package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.server.Yubin;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@code yubin admin} against a stand-in admin API that records requests and answers canned responses. */
class AdminCommandTest extends StandInAdminApi {

    private static final String URI = "otpauth://totp/Yubin:ops-alice?secret=JBSWY3DPEHPK3PXP&issuer=Yubin"
            + "&algorithm=SHA1&digits=6&period=30";

    @Test
    void addSendsTheRoleDomainsAndPasswordAndPrintsTheEnrolmentWithAQrCode() throws IOException {
        status = 201;
        response = "{\"name\":\"ops-alice\",\"role\":\"domain\",\"domains\":[\"a.test\",\"b.test\"],\"totp\":true,"
                + "\"secret\":\"JBSWY3DPEHPK3PXP\",\"uri\":\"" + URI + "\"}";

        int exit = run("correct horse battery\n", "admin", "add", "ops-alice", "--role", "domain", "--domain", "a.test",
                "--domain", "b.test", "--url", url(), "--token", "t0ken");

        assertThat(exit).as(err.toString()).isZero();
        Request request = requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.uri()).isEqualTo("/api/v1/admins");
        assertThat(request.authorization()).isEqualTo("Bearer t0ken");
        assertThat(json(request.body())).isEqualTo(json("{\"name\":\"ops-alice\",\"password\":\"correct horse battery\","
                + "\"role\":\"domain\",\"domains\":[\"a.test\",\"b.test\"]}"));
        assertThat(out.toString()).startsWith("added administrator ops-alice (domain of a.test, b.test)\n"
                        + "TOTP secret: JBSWY3DPEHPK3PXP\n" + URI + "\n")
                .contains(TerminalQrCode.render(URI))
                .contains("yubin admin login ops-alice");
    }

    @Test
    void addRefusesARoleWithoutItsDomainsBeforeAskingForAPassword() {
        assertThat(run("correct horse battery\n", "admin", "add", "x", "--role", "domain", "--url", url(),
                "--token", "t")).isEqualTo(1);
        assertThat(run("correct horse battery\n", "admin", "add", "x", "--role", "global", "--domain", "a.test",
                "--url", url(), "--token", "t")).isEqualTo(1);
        assertThat(run("correct horse battery\n", "admin", "add", "x", "--role", "root", "--url", url(),
                "--token", "t")).isEqualTo(1);
        assertThat(requests).isEmpty();
    }

    @Test
    void loginSendsNoTokenAndPrintsTheSessionTokenAloneOnStandardOutput() throws IOException {
        status = 201;
        response = "{\"token\":\"yas_abc\",\"name\":\"ops-alice\",\"role\":\"global\","
                + "\"expiresAt\":\"2026-12-06T15:00:00Z\"}";

        int exit = run("correct horse battery\n123456\n", "admin", "login", "ops-alice", "--url", url());

        assertThat(exit).as(err.toString()).isZero();
        Request request = requests.get(0);
        assertThat(request.uri()).isEqualTo("/api/v1/sessions");
        assertThat(request.authorization()).isNull();
        assertThat(json(request.body())).isEqualTo(json(
                "{\"name\":\"ops-alice\",\"password\":\"correct horse battery\",\"code\":\"123456\"}"));
        assertThat(out.toString()).isEqualTo("yas_abc\n");
        assertThat(err.toString()).contains("until 2026-12-06T15:00:00Z").contains("YUBIN_ADMIN_TOKEN");
    }

    @Test
    void aRefusedLoginSaysSoWithoutBlamingTheBootstrapToken() {
        status = 401;
        response = "{\"error\":\"wrong name, password or code, or too many failed logins\"}";

        int exit = run("correct horse battery\n000000\n", "admin", "login", "ops-alice", "--url", url());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("yubin: error: no session for ops-alice: wrong name, password or code,"
                + " or too many failed logins\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void listRemoveAndLogoutUseTheDocumentedPaths() {
        response = "{\"admins\":[{\"name\":\"a-admin\",\"role\":\"domain\",\"domains\":[\"a.test\"],\"totp\":true,"
                + "\"createdAt\":\"2026-01-01T00:00:00Z\"},{\"name\":\"ops-alice\",\"role\":\"global\",\"domains\":[],"
                + "\"totp\":true,\"createdAt\":\"2026-01-02T00:00:00Z\"}]}";
        assertThat(run("", "admin", "list", "--url", url(), "--token", "t")).isZero();
        assertThat(out.toString()).isEqualTo("a-admin\tdomain\ta.test\t2026-01-01T00:00:00Z\n"
                + "ops-alice\tglobal\t*\t2026-01-02T00:00:00Z\n");

        response = "{}";
        assertThat(run("", "admin", "remove", "ops-alice", "--url", url(), "--token", "t")).isZero();
        assertThat(run("", "admin", "unlock", "ops-alice", "--url", url(), "--token", "t")).isZero();
        assertThat(run("", "admin", "logout", "--url", url(), "--token", "yas_abc")).isZero();
        assertThat(requests).extracting(r -> r.method() + " " + r.uri() + " " + r.authorization()).containsExactly(
                "GET /api/v1/admins Bearer t", "DELETE /api/v1/admins/ops-alice Bearer t",
                "DELETE /api/v1/admins/ops-alice/lock Bearer t",
                "DELETE /api/v1/sessions Bearer yas_abc");
    }

    @Test
    void passwdTotpResetAndRoleUseTheDocumentedPathsAndBodies() throws IOException {
        response = "{}";
        assertThat(run("a new long phrase\n", "admin", "passwd", "ops-alice", "--url", url(), "--token", "t"))
                .as(err.toString()).isZero();
        status = 201;
        response = "{\"name\":\"ops-alice\",\"role\":\"global\",\"domains\":[],\"totp\":true,"
                + "\"secret\":\"JBSWY3DPEHPK3PXP\",\"uri\":\"" + URI + "\"}";
        assertThat(run("", "admin", "totp-reset", "ops-alice", "--url", url(), "--token", "t")).isZero();
        status = 200;
        response = "{\"name\":\"shop\",\"role\":\"domain\",\"domains\":[\"a.test\"],\"totp\":true}";
        assertThat(run("", "admin", "role", "shop", "--role", "domain", "--domain", "a.test", "--url", url(),
                "--token", "t")).isZero();
        assertThat(run("", "admin", "role", "shop", "--role", "domain", "--url", url(), "--token", "t"))
                .as("no --domain: refused before any request").isEqualTo(1);

        assertThat(requests).extracting(r -> r.method() + " " + r.uri()).containsExactly(
                "PUT /api/v1/admins/ops-alice/password", "POST /api/v1/admins/ops-alice/totp",
                "PUT /api/v1/admins/shop/role");
        assertThat(json(requests.get(0).body())).isEqualTo(json("{\"password\":\"a new long phrase\"}"));
        assertThat(json(requests.get(2).body())).isEqualTo(json("{\"role\":\"domain\",\"domains\":[\"a.test\"]}"));
        assertThat(out.toString()).contains("changed the password of administrator ops-alice; its sessions ended",
                "TOTP secret: JBSWY3DPEHPK3PXP\n" + URI + "\n", TerminalQrCode.render(URI),
                "administrator shop is now domain of a.test; its sessions ended");
    }
}
