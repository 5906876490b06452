package io.yubin.server.cli;

import io.yubin.backup.BackupException;
import io.yubin.backup.MailboxFiles;
import io.yubin.backup.Restorer;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.server.StorageWiring;
import io.yubin.store.Storage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code yubin mailbox export|import}: a user's mailboxes to and from Maildir or mbox files
 * (docs/operations.md, "Moving mailboxes in and out"), through the configured storage.
 */
@Command(name = "mailbox", mixinStandardHelpOptions = true,
        description = "Move a user's mailboxes out to Maildir or mbox files, or in from them (Dovecot's Maildir "
            + "keeps its UIDs).",
        subcommands = {MailboxCommand.Export.class, MailboxCommand.Import.class})
public final class MailboxCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Override
    CommandSpec spec() {
        return spec;
    }

    enum Format {
        MAILDIR, MBOX;

        static final class Converter implements CommandLine.ITypeConverter<Format> {
            @Override
            public Format convert(String value) {
                return Format.valueOf(value.toUpperCase(Locale.ROOT));
            }
        }
    }

    /** Whose mailboxes, in which format, through which configuration: what export and import share. */
    static final class Target {
        @Option(names = "--user", required = true, paramLabel = "ADDRESS", description = "Whose mailboxes (for an "
                + "import the user must exist).")
        String user;

        @Option(names = "--format", required = true, paramLabel = "maildir|mbox",
                converter = Format.Converter.class, description = "maildir or mbox.")
        Format format;

        @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
        Path config;
    }

    static MailAddress address(CommandSpec spec, String text) {
        try {
            return MailAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), text + " is not an address: " + e.getMessage());
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write a user's mailboxes (all, or those named) as a Maildir++ tree that Dovecot reads with "
                + "the same UIDs, flags and keywords, or as one mbox file per mailbox (messages and dates only)."})
    static final class Export implements Callable<Integer> {

        @Mixin
        Target target;

        @Option(names = "--mailbox", paramLabel = "NAME", description = "Only this mailbox (repeatable).")
        List<String> mailboxes;

        @Parameters(paramLabel = "DIR", description = "A new or empty directory.")
        Path destination;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            MailAddress address = address(spec, target.user);
            if (Files.isDirectory(destination)) {
                try (var entries = Files.list(destination)) {
                    if (entries.findAny().isPresent()) {
                        throw CliException.failed(destination + " is not empty");
                    }
                }
            }
            List<MailboxPath> only = mailboxes == null ? List.of() : mailboxes.stream().map(MailboxPath::parse).toList();
            PrintWriter out = spec.commandLine().getOut();
            try (Storage storage = StorageWiring.openForCommand(ConfigFile.load(target.config))) {
                MailboxFiles files = new MailboxFiles(storage, Clock.systemUTC());
                MailboxFiles.Exported done = target.format == Format.MAILDIR ? files.exportMaildir(address, only, destination)
                        : files.exportMbox(address, only, destination);
                out.printf("%s: %d mailboxes, %d messages written to %s as %s%n", address, done.mailboxes(),
                        done.messages(), destination, target.format.name().toLowerCase(Locale.ROOT));
            } catch (BackupException e) {
                throw CliException.failed("export failed: " + e.getMessage(), e);
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Add messages to a user's mailboxes from a Maildir++ tree (Dovecot's: its dovecot-uidlist "
                + "UIDs and UIDVALIDITY are kept where no client can be misled) or from mbox files. A message already "
                + "in the mailbox is not added again, so an import can be run again."})
    static final class Import implements Callable<Integer> {

        @Mixin
        Target target;

        @Option(names = "--mailbox", paramLabel = "NAME", description = "With one mbox file: the mailbox it goes into "
                + "(default: the file's name without .mbox).")
        String mailbox;

        @Parameters(paramLabel = "PATH", description = "The Maildir's top directory, an mbox file, or a directory of "
                + "NAME.mbox files.")
        Path source;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            MailAddress address = address(spec, target.user);
            if (mailbox != null && target.format == Format.MAILDIR) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--mailbox goes with --format mbox");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Storage storage = StorageWiring.openForCommand(ConfigFile.load(target.config))) {
                MailboxFiles files = new MailboxFiles(storage, Clock.systemUTC());
                Restorer.Result r = target.format == Format.MAILDIR ? files.importMaildir(address, source)
                        : files.importMbox(address, source, mailbox == null ? null : MailboxPath.parse(mailbox));
                out.printf("%s: %d mailboxes created, %d messages under their old UIDs, %d as new messages, %d were "
                        + "there already%s%n", address, r.mailboxesCreated(), r.messagesKeptUid(), r.messagesAppended(),
                        r.messagesPresent(), r.retriesNoted());
            } catch (BackupException e) {
                throw CliException.failed("import failed: " + e.getMessage(), e);
            }
            return 0;
        }
    }
}
