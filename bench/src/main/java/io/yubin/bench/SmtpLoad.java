package io.yubin.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Sends N messages of S KiB over C concurrent SMTP connections and reports the accepted rate,
 * the latency from MAIL to the final reply after DATA, the generator's own CPU time and,
 * optionally, the time until a shell command counts all the messages in the mailboxes.
 */
@Command(name = "smtp-load", mixinStandardHelpOptions = true, sortOptions = false,
        description = "SMTP load generator: N messages of S KiB over C connections; prints a report and one JSON line.")
public final class SmtpLoad implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Server address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "2525", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-n", "--messages"}, defaultValue = "10000", description = "Messages to send (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = {"-s", "--size-kib"}, defaultValue = "4", description = "Message size in KiB, headers included (default: ${DEFAULT-VALUE}).")
    int sizeKib;

    @Option(names = {"-c", "--connections"}, defaultValue = "20", description = "Concurrent connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--from", defaultValue = "bench@load.test", description = "Envelope sender (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(names = "--rcpt-pattern", defaultValue = "user%d@bench.test",
            description = "Recipient pattern, %%d is 1..users (default: ${DEFAULT-VALUE}).")
    String rcptPattern;

    @Option(names = "--users", defaultValue = "20", description = "Recipients the messages are spread over (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--ehlo", defaultValue = "load.test", description = "EHLO name (default: ${DEFAULT-VALUE}).")
    String ehloName;

    @Option(names = "--pipelining", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pipeline MAIL/RCPT/DATA when the server advertises PIPELINING (default: on).")
    boolean pipelining;

    @Option(names = "--timeout", defaultValue = "300", description = "Give up sending after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--delivered-cmd",
            description = "Shell command printing how many messages are delivered; polled after sending until it has risen by the accepted count.")
    String deliveredCmd;

    @Option(names = "--delivered-timeout", defaultValue = "600", description = "Give up waiting for delivery after this many seconds (default: ${DEFAULT-VALUE}).")
    int deliveredTimeoutSeconds;

    @Option(names = "--delivered-interval-ms", defaultValue = "200", description = "Delay between two delivered-cmd runs (default: ${DEFAULT-VALUE}).")
    int deliveredIntervalMs;

    @Option(names = "--implicit-tls",
            description = "Connect with TLS at once (a submissions port, 465-style; certificate not checked) and use the threaded engine.")
    boolean implicitTls;

    @Option(names = "--auth-user", description = "AUTH PLAIN as this user after EHLO (needs --implicit-tls).")
    String authUser;

    @Option(names = "--auth-password-env", defaultValue = "SMTPLOAD_PASSWORD",
            description = "Environment variable holding the AUTH password (default: ${DEFAULT-VALUE}).")
    String authPasswordEnv;

    @Option(names = "--label", defaultValue = "", description = "Free text copied into the report, e.g. the server's name.")
    String label;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SmtpLoad()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        String recipient0 = String.format(rcptPattern, 1);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now());
        byte[] message = MessageBuilder.message(sizeKib * 1024, from, recipient0, date);
        byte[] wire = MessageBuilder.dotStuffed(message);
        LoadConfig config = new LoadConfig(host, port, messages, connections, from, rcptPattern, users, ehloName,
                pipelining, Duration.ofSeconds(timeoutSeconds));

        DeliveryPoller poller = deliveredCmd == null ? null : new DeliveryPoller(deliveredCmd);
        long baseline = poller == null ? 0 : poller.count();

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long processCpu0 = processCpuNanos();
        long threadCpu0 = threads.getCurrentThreadCpuTime();
        LoadResult result = implicitTls
                ? new TlsSubmitGenerator(config, wire, authUser, authPassword()).run()
                : new LoadGenerator(config, wire).run();
        long threadCpu = threads.getCurrentThreadCpuTime() - threadCpu0;
        long processCpu = processCpuNanos() - processCpu0;

        Delivery delivery = poller == null ? null : waitForDelivery(poller, baseline, result);
        Report report = new Report(label, config, message.length, result, processCpu, threadCpu, delivery);
        report.printHuman(System.out);
        System.out.println(report.json());
        boolean complete = result.accepted() == messages && (delivery == null || delivery.complete());
        return complete ? 0 : 1;
    }

    /** How many of the accepted messages the delivered-cmd counted, and when (from the run's start). */
    record Delivery(long delivered, long expected, long nanos, boolean complete, String error) {
    }

    private Delivery waitForDelivery(DeliveryPoller poller, long baseline, LoadResult result) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(deliveredTimeoutSeconds).toNanos();
        long delivered = 0;
        while (true) {
            try {
                delivered = poller.count() - baseline;
            } catch (IOException e) {
                return new Delivery(delivered, result.accepted(), System.nanoTime() - result.startNanos(), false,
                        e.getMessage());
            }
            long now = System.nanoTime();
            if (delivered >= result.accepted()) {
                return new Delivery(delivered, result.accepted(), now - result.startNanos(), true, null);
            }
            if (now >= deadline) {
                return new Delivery(delivered, result.accepted(), now - result.startNanos(), false,
                        "delivery not complete after " + deliveredTimeoutSeconds + " s");
            }
            Thread.sleep(deliveredIntervalMs);
        }
    }

    private void validate() {
        require(spec, messages >= 1 && messages <= 10_000_000, "--messages must be 1..10000000");
        require(spec, sizeKib >= 1 && sizeKib <= 51_200, "--size-kib must be 1..51200");
        require(spec, connections >= 1 && connections <= 1000, "--connections must be 1..1000");
        require(spec, users >= 1 && users <= 100_000, "--users must be 1..100000");
        require(spec, port >= 1 && port <= 65535, "--port must be 1..65535");
        require(spec, timeoutSeconds >= 1 && timeoutSeconds <= 3600, "--timeout must be 1..3600 seconds");
        require(spec, deliveredTimeoutSeconds >= 1 && deliveredTimeoutSeconds <= 3600,
                "--delivered-timeout must be 1..3600 seconds");
        require(spec, deliveredIntervalMs >= 10 && deliveredIntervalMs <= 60_000,
                "--delivered-interval-ms must be 10..60000");
        require(spec, authUser == null || implicitTls, "--auth-user needs --implicit-tls");
        require(spec, !implicitTls || authUser != null, "--implicit-tls needs --auth-user (submission requires AUTH)");
        require(spec, authUser == null || authPassword() != null,
                "--auth-user needs the password in the environment variable " + authPasswordEnv);
        require(spec, rcptPattern.contains("%d"), "--rcpt-pattern must contain %d");
        require(spec, !containsLineBreak(from + rcptPattern + ehloName), "addresses and names must be one line");
        String probe = String.format(Locale.ROOT, rcptPattern, 1);
        require(spec, !probe.isEmpty(), "--rcpt-pattern gives an empty address");
    }

    private String authPassword() {
        return System.getenv(authPasswordEnv);
    }

    private static boolean containsLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }

    private static void require(CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
