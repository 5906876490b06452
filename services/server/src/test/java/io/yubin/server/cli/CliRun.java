package io.yubin.server.cli;

import io.yubin.server.Yubin;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** The {@code yubin} command line run inside a test, with no terminal and no standard input; what it prints is kept. */
public final class CliRun {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs one command; returns its exit status. */
    public int run(String... args) {
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null, new ByteArrayInputStream(new byte[0])));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Everything the commands run so far printed on standard output. */
    public String out() {
        return out.toString();
    }

    /** Everything they printed on standard error. */
    public String err() {
        return err.toString();
    }
}
