package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.yubin.server.Yubin;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code yubin admin} against a stand-in admin API that records requests and answers canned responses. */
class AdminCommandTest {

    record Request(String method, String uri, String authorization, String body) {
    }

    private static final String URI = "otpauth://totp/Yubin:ops-alice?secret=JBSWY3DPEHPK3PXP&issuer=Yubin"
            + "&algorithm=SHA1&digits=6&period=30";

    private HttpServer api;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String response = "{}";
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void startApi() throws IOException {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/", this::answer);
        api.start();
    }

    @AfterEach
    void stopApi() {
        api.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private int run(String stdin, String... args) {
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private String url() {
        return "http://127.0.0.1:" + api.getAddress().getPort();
    }

    private static JsonNode json(String text) throws IOException {
        return AdminClient.json().readTree(text);
    }

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
}
