package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The command line against a stand-in admin API that records requests and answers canned responses. */
class CliTest extends StandInAdminApi {

    private String[] withServer(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = url();
        all[args.length + 2] = "--token";
        all[args.length + 3] = "t0ken";
        return all;
    }

    @Test
    void userAddSendsThePasswordReadFromStandardInputWithTheToken() throws IOException {
        response = "{\"address\":\"alice@example.test\"}";

        int exit = run("correct horse battery\n", withServer("user", "add", "alice@example.test", "--quota", "1000"));

        assertThat(exit).isZero();
        assertThat(requests).hasSize(1);
        Request request = requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.uri()).isEqualTo("/api/v1/users");
        assertThat(request.authorization()).isEqualTo("Bearer t0ken");
        assertThat(json(request.body())).isEqualTo(json(
                "{\"address\":\"alice@example.test\",\"password\":\"correct horse battery\",\"quotaBytes\":1000}"));
        assertThat(out.toString()).isEqualTo("added user alice@example.test\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void userAddSaysWhenTheUserBecameItsDomainsPostmaster() throws IOException {
        response = "{\"address\":\"alice@example.test\",\"roleAliases\":[\"abuse@example.test\",\"postmaster@example.test\"]}";

        assertThat(run("correct horse battery\n", withServer("user", "add", "alice@example.test"))).isZero();

        assertThat(out.toString()).isEqualTo("added user alice@example.test\nabuse@example.test and"
                + " postmaster@example.test now go to alice@example.test: every domain takes mail for them"
                + " (RFC 5321 §4.5.1, RFC 2142); point them elsewhere with yubin alias\n");
    }

    @Test
    void passwordIsNeverAcceptedAsAnArgument() {
        assertThat(run("", withServer("user", "add", "alice@example.test", "hunter2hunter2"))).isEqualTo(2);
        assertThat(run("", withServer("user", "add", "alice@example.test", "--password", "hunter2hunter2")))
                .isEqualTo(2);
        assertThat(run("", withServer("user", "passwd", "alice@example.test", "hunter2hunter2"))).isEqualTo(2);
        assertThat(run("", withServer("user", "add", "--password=hunter2hunter2", "alice@example.test")))
                .isEqualTo(2);

        assertThat(requests).isEmpty();
        assertThat(err.toString().lines()).hasSize(4).allMatch(line -> line.startsWith("yubin: error: "));
    }

    @Test
    void missingPasswordOnStandardInputIsAnErrorAndSendsNothing() {
        int exit = run("", withServer("user", "passwd", "alice@example.test"));

        assertThat(exit).isEqualTo(1);
        assertThat(requests).isEmpty();
        assertThat(err.toString()).isEqualTo("yubin: error: no password: expected one line on standard input\n");
    }

    @Test
    void malformedAddressIsRefusedBeforeAskingForAPassword() {
        int exit = run("correct horse battery\n", withServer("user", "add", "alice@@example.test"));

        assertThat(exit).isEqualTo(1);
        assertThat(requests).isEmpty();
        assertThat(err.toString()).startsWith("yubin: error: invalid address \"alice@@example.test\": ")
                .hasLineCount(1);
    }

    @Test
    void apiErrorIsPrintedAsOneLineWithExitStatusOne() {
        status = 409;
        response = "{\"error\":\"user alice@example.test already exists\",\"field\":\"address\"}";

        int exit = run("correct horse battery\n", withServer("user", "add", "alice@example.test"));

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("yubin: error: user alice@example.test already exists\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void unreachableServerExitsWithThreeAndSaysSo() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        int exit = run("", "domain", "list", "--url", "http://127.0.0.1:" + port, "--token", "x");

        assertThat(exit).isEqualTo(3);
        assertThat(err.toString()).startsWith("yubin: error: cannot reach the yubin server at http://127.0.0.1:" + port)
                .contains("is `yubin serve` running")
                .hasLineCount(1);
    }

    @Test
    void rejectedTokenSaysWhereTheTokenComesFrom() {
        status = 401;
        response = "{\"error\":\"missing or invalid token\"}";

        int exit = run("", withServer("domain", "list"));

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("missing or invalid token").contains("YUBIN_ADMIN_TOKEN").hasLineCount(1);
    }

    @Test
    void listsPrintOneItemPerLine() {
        response = "{\"domains\":[{\"name\":\"example.test\",\"unicode\":\"example.test\"},"
                + "{\"name\":\"xn--bcher-kva.test\",\"unicode\":\"bücher.test\"}]}";
        assertThat(run("", withServer("domain", "list"))).isZero();
        assertThat(out.toString()).isEqualTo("example.test\nxn--bcher-kva.test\tbücher.test\n");

        out.getBuffer().setLength(0);
        response = "{\"aliases\":[{\"source\":\"postmaster@example.test\",\"target\":\"alice@example.test\"}]}";
        assertThat(run("", withServer("alias", "list", "--domain", "example.test"))).isZero();
        assertThat(out.toString()).isEqualTo("postmaster@example.test\talice@example.test\n");
        assertThat(requests.get(1).uri()).isEqualTo("/api/v1/aliases?domain=example.test");

        out.getBuffer().setLength(0);
        response = "{\"users\":[{\"address\":\"alice@example.test\",\"quotaBytes\":0,\"createdAt\":\"2026-01-01T00:00:00Z\","
                + "\"quotaMessages\":500}]}";
        assertThat(run("", withServer("user", "list"))).isZero();
        assertThat(out.toString()).isEqualTo("alice@example.test\t0\t2026-01-01T00:00:00Z\t500\n");
    }

    @Test
    void removingAUserSaysWhoTakesItsDomainsPostmasterAndAbuseNow() {
        response = "{\"roleAliases\":[{\"source\":\"abuse@example.test\",\"target\":\"bob@example.test\"},"
                + "{\"source\":\"postmaster@example.test\",\"target\":\"bob@example.test\"}]}";
        assertThat(run("", withServer("user", "remove", "alice@example.test"))).isZero();
        assertThat(out.toString()).startsWith("removed user alice@example.test\n")
                .contains("\nabuse@example.test now goes to bob@example.test, the earliest user of its domain")
                .contains("\npostmaster@example.test now goes to bob@example.test").hasLineCount(3);

        out.getBuffer().setLength(0);
        response = "{\"roleAliases\":[]}";
        assertThat(run("", withServer("user", "remove", "bob@example.test"))).isZero();
        assertThat(out.toString()).isEqualTo("removed user bob@example.test\n");
    }

    @Test
    void commandsUseTheDocumentedMethodsAndPaths() {
        response = "{\"id\":\"abc\",\"label\":\"phone\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"password\":\"s3cret\"}";

        run("", withServer("domain", "add", "example.test"));
        run("", withServer("domain", "remove", "example.test"));
        run("", withServer("user", "remove", "bob+x@example.test"));
        run("new password 1\n", withServer("user", "passwd", "alice@example.test"));
        run("", withServer("alias", "add", "@example.test", "alice@example.test"));
        run("", withServer("alias", "remove", "@example.test"));
        run("", withServer("alias", "remove", "postmaster@example.test", "alice@example.test"));
        run("", withServer("app-password", "add", "alice@example.test", "--label", "phone"));
        run("", withServer("app-password", "list", "alice@example.test"));
        run("", withServer("app-password", "revoke", "alice@example.test", "abc"));

        assertThat(requests).extracting(r -> r.method() + " " + r.uri()).containsExactly(
                "POST /api/v1/domains",
                "DELETE /api/v1/domains/example.test",
                "DELETE /api/v1/users/bob%2Bx@example.test",
                "PUT /api/v1/users/alice@example.test/password",
                "POST /api/v1/aliases",
                "DELETE /api/v1/aliases/@example.test",
                "DELETE /api/v1/aliases/postmaster@example.test?target=alice%40example.test",
                "POST /api/v1/users/alice@example.test/app-passwords",
                "GET /api/v1/users/alice@example.test/app-passwords",
                "DELETE /api/v1/users/alice@example.test/app-passwords/abc");
        assertThat(requests.get(3).body()).contains("\"password\":\"new password 1\"");
        assertThat(out.toString()).contains("\ns3cret\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void usageErrorsAreOneLineWithExitStatusTwo() {
        assertThat(run("", "domain")).isEqualTo(2);
        assertThat(run("", "domain", "add")).isEqualTo(2);
        assertThat(run("", "frobnicate")).isEqualTo(2);
        assertThat(run("", "user", "add", "a@example.test", "--quota", "lots")).isEqualTo(2);
        assertThat(run("")).isEqualTo(2);

        assertThat(err.toString().lines()).hasSize(5).allMatch(line -> line.startsWith("yubin: error: "));
        assertThat(err.toString()).contains("missing subcommand: one of add, dns, list, quota, remove");
    }

    @Test
    void versionAndHelpSucceed() {
        assertThat(run("", "--version")).isZero();
        assertThat(out.toString()).startsWith("yubin ");

        assertThat(run("", "--help")).isZero();
        assertThat(out.toString()).contains("domain").contains("user").contains("alias").contains("app-password");

        assertThat(run("", "user", "add", "--help")).isZero();
        assertThat(out.toString()).contains("--quota").doesNotContain("--password");
    }
}
