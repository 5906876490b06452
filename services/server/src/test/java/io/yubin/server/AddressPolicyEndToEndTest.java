package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.server.cli.PasswordInput;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code yubin serve} with an address policy from the environment: the CLI refuses a user the
 * policy refuses, naming the rule; SMTP takes a tagged recipient and postmaster for the role
 * recipient, and refuses an address the format could never have with 553 5.1.3.
 */
class AddressPolicyEndToEndTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private ServerProcess server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    /** Exit status and standard error of one CLI command against the server. */
    private String[] yubin(String stdin, String... args) throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + server.adminPort(), "--token", server.token()));
        return new String[] {String.valueOf(cli.execute(all.toArray(String[]::new))), err.toString()};
    }

    @Test
    void theCliAndSmtpFollowTheDomainsAddressPolicy() throws Exception {
        server = new ServerProcess(dataDir, logDir)
                .environment("YUBIN_ADDRESS_POLICY_ALLOWED_CHARACTERS", "a-z0-9.")
                .environment("YUBIN_ADDRESS_POLICY_RESERVED", "root")
                .environment("YUBIN_ADDRESS_POLICY_ROLE_RECIPIENT", "alice@example.test");
        server.start("serve.log");
        String password = "correct horse battery staple\n";
        assertThat(yubin("", "domain", "add", "example.test")[0]).isEqualTo("0");
        assertThat(yubin(password, "user", "add", "alice@example.test")[0]).isEqualTo("0");

        String[] bad = yubin(password, "user", "add", "bob_smith@example.test");
        assertThat(bad[0]).isEqualTo("1");
        assertThat(bad[1]).startsWith("yubin: error: ").contains("bob_smith@example.test")
                .contains("may only use the characters a-z0-9.").hasLineCount(1);
        assertThat(yubin(password, "user", "add", "root@example.test")[1]).contains("reserved");
        assertThat(yubin(password, "user", "add", "bob+x@example.test")[1]).contains("\"+\"");

        try (LineClient mx = new LineClient(new Socket(server.host(), server.mxPort()))) {
            assertThat(mx.smtpReply()).startsWith("220 ");
            assertThat(mx.smtp("EHLO client.example.net")).startsWith("250 ");
            assertThat(mx.smtp("MAIL FROM:<someone@remote.example>")).startsWith("250 ");
            assertThat(mx.smtp("RCPT TO:<alice+news@example.test>")).startsWith("250 ");
            assertThat(mx.smtp("RCPT TO:<postmaster@example.test>")).startsWith("250 ");
            assertThat(mx.smtp("RCPT TO:<bob_smith@example.test>")).startsWith("553 5.1.3 ");
            assertThat(mx.smtp("RCPT TO:<bob@example.test>")).startsWith("550 5.1.1 ");
        }
    }
}
