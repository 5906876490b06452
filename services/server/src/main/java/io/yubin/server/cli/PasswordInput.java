package io.yubin.server.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Reads a new password: from the terminal with echo off, asked twice, when there is one; else one
 * line from standard input (for scripts: {@code printf '%s\n' "$pw" | yubin user add ...}).
 * Never from the command line, where other users can see it in the process list.
 */
public final class PasswordInput {

    private final Supplier<Console> console;
    private final InputStream stdin;
    private BufferedReader reader;

    public PasswordInput(Supplier<Console> console, InputStream stdin) {
        this.console = console;
        this.stdin = stdin;
    }

    /** The real terminal, or the process's standard input. */
    public static PasswordInput system() {
        return new PasswordInput(System::console, System.in);
    }

    public char[] readNew(String prompt) {
        Console terminal = console.get();
        if (terminal != null) {
            char[] first = terminal.readPassword("%s: ", prompt);
            char[] second = terminal.readPassword("%s (again): ", prompt);
            if (first == null || second == null) {
                throw CliException.failed("no password entered");
            }
            boolean same = Arrays.equals(first, second);
            Arrays.fill(second, '\0');
            if (!same) {
                Arrays.fill(first, '\0');
                throw CliException.failed("the passwords do not match");
            }
            return checkNotEmpty(first);
        }
        return checkNotEmpty(readLine("password").toCharArray());
    }

    /** A password asked once (logging in), not echoed. */
    public char[] readExisting(String prompt) {
        Console terminal = console.get();
        if (terminal != null) {
            char[] password = terminal.readPassword("%s: ", prompt);
            if (password == null) {
                throw CliException.failed("no password entered");
            }
            return checkNotEmpty(password);
        }
        return checkNotEmpty(readLine("password").toCharArray());
    }

    /** A line that is not secret (a one-time code), echoed. */
    public String readVisible(String prompt) {
        Console terminal = console.get();
        if (terminal != null) {
            String line = terminal.readLine("%s: ", prompt);
            if (line == null) {
                throw CliException.failed("nothing entered");
            }
            return line.strip();
        }
        return readLine("code").strip();
    }

    private String readLine(String what) {
        try {
            if (reader == null) {
                reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            }
            String line = reader.readLine();
            if (line == null) {
                throw CliException.failed("no " + what + ": expected one line on standard input");
            }
            return line;
        } catch (IOException e) {
            throw CliException.failed("cannot read the " + what + " from standard input: " + e.getMessage(), e);
        }
    }

    private static char[] checkNotEmpty(char[] password) {
        if (password.length == 0) {
            throw CliException.failed("the password is empty");
        }
        return password;
    }
}
