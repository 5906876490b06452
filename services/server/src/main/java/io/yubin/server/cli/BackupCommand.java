package io.yubin.server.cli;

import io.yubin.backup.Archive;
import io.yubin.backup.BackupException;
import io.yubin.backup.BackupScope;
import io.yubin.backup.BackupWriter;
import io.yubin.backup.Restorer;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.server.StorageWiring;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3Options;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code yubin backup create|verify|restore} (docs/operations.md, "Backup and restore"): archives of
 * the configured storage, written and restored while the server runs.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Back up domains, users and mailboxes to an archive, check archives, restore them.",
        subcommands = {BackupCommand.Create.class, BackupCommand.Verify.class, BackupCommand.Restore.class},
        footer = {"", "An ARCHIVE is a file (.tar, or .tar.gz / .tgz to compress it) or s3://BUCKET/KEY, reached "
            + "with the endpoint and credentials of storage.s3 in the configuration. See docs/operations.md."})
public final class BackupCommand extends GroupCommand {

    static final String S3_SCHEME = "s3://";

    @Spec
    CommandSpec spec;

    @Override
    CommandSpec spec() {
        return spec;
    }

    /** Where an archive is: a file or an S3 object. */
    record Location(Path file, String bucket, String key) {

        static Location parse(String text) {
            if (text.startsWith(S3_SCHEME)) {
                String rest = text.substring(S3_SCHEME.length());
                int slash = rest.indexOf('/');
                if (slash < 1 || slash == rest.length() - 1) {
                    throw CliException.failed(text + " is not s3://BUCKET/KEY");
                }
                return new Location(null, rest.substring(0, slash), rest.substring(slash + 1));
            }
            return new Location(Path.of(text), null, null);
        }

        boolean compressed() {
            String name = file != null ? file.getFileName().toString() : key;
            return name.endsWith(".gz") || name.endsWith(".tgz");
        }

        @Override
        public String toString() {
            return file != null ? file.toString() : S3_SCHEME + bucket + "/" + key;
        }
    }

    /** Opens S3 locations with the configuration's S3 settings. */
    static final class Locations implements AutoCloseable {
        private final ServerConfig config;
        private final List<S3BlobStore> opened = new ArrayList<>();

        Locations(ServerConfig config) {
            this.config = config;
        }

        private S3BlobStore s3(Location l) {
            ServerConfig.S3 c = config.storage().s3();
            if (c.endpoint() == null || c.endpoint().isBlank()) {
                throw CliException.failed(l + ": s3:// archives use storage.s3.endpoint and its credentials, and "
                        + "the configuration sets none");
            }
            S3BlobStore store = S3BlobStore.open(new S3Options(c.endpoint(), c.region(), l.bucket(), c.accessKey(),
                    c.secretKey(), c.pathStyle(), true, S3Options.DEFAULT_MULTIPART_THRESHOLD,
                    S3Options.DEFAULT_MAX_RETRIES));
            opened.add(store);
            return store;
        }

        Archive.Source source(Location l) {
            if (l.file() != null) {
                if (!Files.isRegularFile(l.file())) {
                    throw CliException.failed("no archive " + l.file());
                }
                return () -> Files.newInputStream(l.file());
            }
            S3BlobStore store = s3(l);
            return () -> {
                try {
                    return store.getObject(l.key());
                } catch (StoreException e) {
                    throw new IOException(l + ": " + e.getMessage(), e);
                }
            };
        }

        /**
         * Writes an archive where nothing is yet: a file appears under its name only once complete (it
         * is written beside it as NAME.partial and renamed); an S3 object only when its upload completes.
         */
        void write(Location l, ArchiveBody body) throws IOException {
            if (l.file() != null) {
                if (Files.exists(l.file())) {
                    throw CliException.failed(l.file() + " exists; choose a new name for each backup");
                }
                Path partial = l.file().resolveSibling(l.file().getFileName() + ".partial");
                Files.deleteIfExists(partial); // what an interrupted run of this backup left
                // Password hashes and TOTP secrets are in it: readable by its owner only.
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(createPrivate(partial)), 1 << 16)) {
                    writeTo(out, l, body);
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(partial);
                    throw e;
                }
                Files.move(partial, l.file(), StandardCopyOption.ATOMIC_MOVE);
                return;
            }
            try (S3BlobStore.ObjectUpload upload = s3(l).putObject(l.key())) {
                writeTo(new BufferedOutputStream(upload, 1 << 16), l, body);
                upload.finish();
            }
        }

        private static Path createPrivate(Path file) throws IOException {
            try {
                return Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                return Files.createFile(file);
            }
        }

        private static void writeTo(OutputStream out, Location l, ArchiveBody body) throws IOException {
            if (l.compressed()) {
                GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
                body.write(gz);
                gz.finish();
            } else {
                body.write(out);
            }
            out.flush();
        }

        @Override
        public void close() {
            opened.forEach(S3BlobStore::close);
        }
    }

    /** What verify and restore take: the configuration, and the archives in order. */
    static final class Archives {
        @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (the storage, and "
                + "the S3 endpoint of s3:// archives).")
        Path config;

        @Parameters(arity = "1..*", paramLabel = "ARCHIVE", description = "A full archive, then the incremental "
                + "ones that continue it, in order.")
        List<String> archives;
    }

    @FunctionalInterface
    interface ArchiveBody {
        void write(OutputStream out) throws IOException;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Write a backup archive of everything, of one domain or of one user: the directory "
                + "(password hashes, quotas, app passwords, aliases), mailboxes with their UIDs, UIDVALIDITY and "
                + "flags, every body, subscriptions and spam models.",
                "The server keeps running. With --since, only what changed after that archive (by MODSEQ)."})
    static final class Create implements Callable<Integer> {

        static final class Scope {
            @Option(names = "--domain", paramLabel = "DOMAIN", description = "Back up this domain only.")
            String domain;

            @Option(names = "--user", paramLabel = "ADDRESS", description = "Back up this user only.")
            String user;
        }

        @ArgGroup(exclusive = true)
        Scope scope;

        @Option(names = "--since", paramLabel = "ARCHIVE", description = "Incremental: what changed since this "
                + "archive (full or incremental) of the same scope.")
        String since;

        @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
        Path config;

        @Parameters(paramLabel = "ARCHIVE", description = "Where to write it: a new file or s3://BUCKET/KEY.")
        String destination;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            BackupScope what;
            try {
                what = scope == null ? BackupScope.all() : scope.domain != null
                        ? BackupScope.domain(Domain.parse(scope.domain)) : BackupScope.user(MailAddress.parse(scope.user));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            ServerConfig settings = ConfigFile.load(config);
            PrintWriter out = spec.commandLine().getOut();
            Location to = Location.parse(destination);
            try (Locations locations = new Locations(settings); Storage storage = StorageWiring.openForCommand(settings)) {
                Archive.Contents base = null;
                if (since != null) {
                    try (InputStream in = locations.source(Location.parse(since)).open()) {
                        base = Archive.read(in, Archive.BodySink.IGNORE);
                    }
                }
                Archive.Contents continued = base;
                BackupWriter.Result[] result = new BackupWriter.Result[1];
                locations.write(to, os -> result[0] = new BackupWriter(storage, Clock.systemUTC())
                        .write(os, what, continued));
                BackupWriter.Result r = result[0];
                out.printf("%s backup %s of %s: %d users, %d mailboxes, %d messages, %d bodies (%d octets) written "
                        + "to %s%n", base == null ? "full" : "incremental", r.id(), what, r.users(), r.mailboxes(),
                        r.messages(), r.bodies(), r.bodyBytes(), to);
            } catch (BackupException e) {
                throw CliException.failed("backup failed: " + e.getMessage(), e);
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check archives: every body against its SHA-256, every entry against the end record, and "
                + "that each incremental archive continues the one before it. Exit status 1 when one fails."})
    static final class Verify implements Callable<Integer> {

        @Mixin
        Archives args;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Locations locations = new Locations(ConfigFile.load(args.config))) {
                List<Archive.Contents> read = Restorer.verify(args.archives.stream().map(Location::parse)
                        .map(locations::source).toList());
                for (int i = 0; i < read.size(); i++) {
                    Archive.Contents c = read.get(i);
                    long messages = c.mailboxes().stream().mapToLong(m -> m.messages().size()).sum();
                    out.printf("%s: %s backup %s of %s made %s: %d users, %d mailboxes, %d messages, %d bodies "
                            + "(%d octets), all checksums good%n", args.archives.get(i),
                            c.header().base() == null ? "full" : "incremental", c.header().id(), c.header().scope(),
                            c.header().created(), c.users().size(), c.mailboxes().size(), messages, c.bodies().size(),
                            c.bodyBytes());
                }
            } catch (BackupException e) {
                throw CliException.failed("archive refused: " + e.getMessage(), e);
            }
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Restore archives into the configured storage, empty or live: missing domains, users, "
                + "aliases, app passwords and mailboxes are added, missing messages put back (under their old UIDs "
                + "where no client can be misled, else as new messages); what exists is left alone.",
                "Every archive is checked whole first: one cut short or altered is refused and nothing is written. "
                    + "Running a restore again restores nothing twice."})
    static final class Restore implements Callable<Integer> {

        @Mixin
        Archives args;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ServerConfig settings = ConfigFile.load(args.config);
            PrintWriter out = spec.commandLine().getOut();
            try (Locations locations = new Locations(settings)) {
                List<Archive.Source> sources = args.archives.stream().map(Location::parse).map(locations::source).toList();
                try (Storage storage = StorageWiring.openForCommand(settings)) {
                    Restorer.Result r = new Restorer(storage).restore(sources);
                    out.printf("restored: %d domains and %d users added, %d mailboxes created, %d messages under "
                            + "their old UIDs, %d as new messages, %d were there already; %d bodies stored%s%n",
                            r.domainsAdded(), r.usersAdded(), r.mailboxesCreated(), r.messagesKeptUid(),
                            r.messagesAppended(), r.messagesPresent(), r.bodies(), r.retriesNoted());
                }
            } catch (BackupException e) {
                throw CliException.failed("restore failed: " + e.getMessage(), e);
            }
            return 0;
        }
    }
}
