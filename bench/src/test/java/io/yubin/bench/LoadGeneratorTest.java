package io.yubin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

@Timeout(60)
class LoadGeneratorTest {

    private static final String DATE = "Tue, 3 Jun 2025 10:00:00 +0200";

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void deliversEveryMessageIntactAndSpreadOverTheRecipients(boolean serverPipelining) throws Exception {
        byte[] message = MessageBuilder.message(4096, "bench@load.test", "user1@bench.test", DATE);
        try (TestSmtpSink sink = new TestSmtpSink(serverPipelining, Set.of())) {
            LoadResult result = new LoadGenerator(config(sink.port(), 25, 3), MessageBuilder.dotStuffed(message)).run();

            assertThat(result.sent()).isEqualTo(25);
            assertThat(result.accepted()).isEqualTo(25);
            assertThat(result.refused()).isZero();
            assertThat(result.failed()).isZero();
            assertThat(result.connectionsOpened()).isEqualTo(3);
            assertThat(result.connectionsPipelining()).isEqualTo(serverPipelining ? 3 : 0);
            assertThat(result.latency().count()).isEqualTo(25);
            assertThat(result.latency().max()).isPositive();
            assertThat(result.firstError()).isNull();

            sink.close();
            assertThat(sink.errors).isEmpty();
            assertThat(sink.received).hasSize(25).allSatisfy(r -> assertThat(r.message()).isEqualTo(message));
            Map<String, Long> perRecipient = sink.received.stream()
                    .collect(Collectors.groupingBy(TestSmtpSink.Received::recipient, Collectors.counting()));
            assertThat(perRecipient).hasSize(5).containsEntry("user1@bench.test", 5L).containsEntry("user5@bench.test", 5L);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void countsRefusedRecipientsAndGoesOnWithTheNextTransaction(boolean serverPipelining) throws Exception {
        byte[] wire = MessageBuilder.dotStuffed(MessageBuilder.message(1024, "bench@load.test", "x@bench.test", DATE));
        try (TestSmtpSink sink = new TestSmtpSink(serverPipelining, Set.of("user2@bench.test"))) {
            LoadResult result = new LoadGenerator(config(sink.port(), 10, 2), wire).run();

            assertThat(result.sent()).isEqualTo(10);
            assertThat(result.accepted()).isEqualTo(8);
            assertThat(result.refused()).isEqualTo(2);
            assertThat(result.refusalCounts()[550]).isEqualTo(2);
            assertThat(result.failed()).isZero();
            sink.close();
            assertThat(sink.errors).isEmpty();
            assertThat(sink.received).hasSize(8).noneMatch(r -> r.recipient().equals("user2@bench.test"));
        }
    }

    @Test
    void reportsAFailedConnectionWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        byte[] wire = MessageBuilder.dotStuffed(MessageBuilder.message(1024, "bench@load.test", "x@bench.test", DATE));
        LoadResult result = new LoadGenerator(config(port, 5, 2), wire).run();

        assertThat(result.accepted()).isZero();
        assertThat(result.connectionsOpened()).isZero();
        assertThat(result.firstError()).contains("CONNECTING");
    }

    @Test
    void commandLineRunPrintsTheReportAndOneJsonLineAndExitsZeroWhenAllAreAccepted() throws Exception {
        try (TestSmtpSink sink = new TestSmtpSink(true, Set.of())) {
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream original = System.out;
            int exit;
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                exit = new CommandLine(new SmtpLoad()).execute("--port", String.valueOf(sink.port()), "-n", "12",
                        "-c", "4", "-s", "2", "--label", "test \"sink\"");
            } finally {
                System.setOut(original);
            }
            String output = captured.toString(StandardCharsets.UTF_8);
            String json = output.lines().filter(l -> l.startsWith("{")).collect(Collectors.joining());

            assertThat(output).contains("accepted 12").contains("p99");
            assertThat(json).contains("\"label\":\"test \\\"sink\\\"\"", "\"accepted\":12", "\"message_octets\":2048",
                    "\"p99_ms\":").doesNotContain("\"delivered\"");
            assertThat(exit).isZero();
        }
    }

    @Test
    void commandLineExitsOneWhenTheDeliveredCountNeverRises() throws Exception {
        try (TestSmtpSink sink = new TestSmtpSink(true, Set.of())) {
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream original = System.out;
            int exit;
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                exit = new CommandLine(new SmtpLoad()).execute("--port", String.valueOf(sink.port()), "-n", "3",
                        "-c", "1", "--delivered-cmd", "echo 5", "--delivered-timeout", "1");
            } finally {
                System.setOut(original);
            }
            assertThat(captured.toString(StandardCharsets.UTF_8))
                    .contains("\"delivered\":0", "\"delivery_complete\":false", "delivery not complete after 1 s");
            assertThat(exit).isEqualTo(1);
        }
    }

    @Test
    void commandLineRefusesAPatternWithoutANumber() {
        int exit = new CommandLine(new SmtpLoad()).setErr(new java.io.PrintWriter(new java.io.StringWriter()))
                .execute("--rcpt-pattern", "user@bench.test");
        assertThat(exit).isEqualTo(2);
    }

    private static LoadConfig config(int port, int messages, int connections) {
        return new LoadConfig("127.0.0.1", port, messages, connections, "bench@load.test", "user%d@bench.test", 5,
                "load.test", true, Duration.ofSeconds(30));
    }
}
