package io.yubin.server;

import io.yubin.server.cli.AdminCommand;
import io.yubin.server.cli.AliasCommand;
import io.yubin.server.cli.AppPasswordCommand;
import io.yubin.server.cli.BackupCommand;
import io.yubin.server.cli.CliException;
import io.yubin.server.cli.DomainCommand;
import io.yubin.server.cli.LogCommand;
import io.yubin.server.cli.MailboxCommand;
import io.yubin.server.cli.OperatorCommand;
import io.yubin.server.cli.PasswordInput;
import io.yubin.server.cli.QueueCommand;
import io.yubin.server.cli.SchemaCommand;
import io.yubin.server.cli.ServeCommand;
import io.yubin.server.cli.SpamCommand;
import io.yubin.server.cli.UserCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code yubin} executable: {@code serve} and the management commands. */
@Command(name = "yubin",
        mixinStandardHelpOptions = true,
        versionProvider = Yubin.Version.class,
        description = "Yubin mail server.",
        subcommands = {ServeCommand.class, DomainCommand.class, UserCommand.class, AdminCommand.class, AliasCommand.class,
            AppPasswordCommand.class, QueueCommand.class, SchemaCommand.class, OperatorCommand.class, SpamCommand.class,
            BackupCommand.class, MailboxCommand.class, LogCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:success", "1:the server refused the request, or another failure",
            "2:invalid command line", "3:the server could not be reached"})
public final class Yubin implements Runnable {

    @Spec
    CommandSpec spec;

    private final PasswordInput passwords;

    public Yubin(PasswordInput passwords) {
        this.passwords = passwords;
    }

    public PasswordInput passwords() {
        return passwords;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The JDK's switch for the common fork-join pool's size. */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        useCommonPoolOnSmallMachines();
        System.exit(commandLine(PasswordInput.system()).execute(args));
    }

    /**
     * CompletableFuture's default async executor and Hazelcast's (ConcurrencyUtil) are the common
     * fork-join pool only when its parallelism is above 1; otherwise they start a new thread per
     * task. On 2 cores the parallelism is 1, and under SMTP load every mailbox event published
     * started a thread (a profile: about 5 % of the server's CPU). Set before anything creates
     * the pool; an explicit setting wins.
     */
    static void useCommonPoolOnSmallMachines() {
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
    }

    /** The command line with yubin's error reporting: one line on stderr, and the exit status. */
    public static CommandLine commandLine(PasswordInput passwords) {
        CommandLine commandLine = new CommandLine(new Yubin(passwords));
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("yubin: error: " + oneLine(e.getMessage()) + " (see '"
                    + failed.getCommandSpec().qualifiedName() + " --help')");
            return CliException.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> {
            if (e instanceof CliException cli) {
                failed.getErr().println("yubin: error: " + oneLine(cli.getMessage()));
                return cli.exitCode();
            }
            failed.getErr().println("yubin: error: " + oneLine(String.valueOf(e)));
            return CliException.FAILED;
        });
        return commandLine;
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Yubin.class.getPackage().getImplementationVersion();
            return new String[] {"yubin " + (version == null ? "(development build)" : version)};
        }
    }
}
