package io.yubin.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One versioned schema migration file, {@code V<n>__<name>.<ext>}, read from the classpath: its
 * version and its statements. Shared by the SQLite and the Cassandra backends; files keep to one
 * form — {@code --} comment lines, and a semicolon at the end of a line ends a statement.
 *
 * @param version the number after the V
 * @param file the file name
 * @param statements the statements in order, without their final semicolon
 */
public record MigrationScript(int version, String file, List<String> statements) {

    public MigrationScript {
        statements = List.copyOf(statements);
    }

    /** Reads {@code directory/file} next to {@code owner}; a missing file is an error. */
    public static MigrationScript load(Class<?> owner, String directory, String file) {
        String resource = directory + "/" + file;
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing migration resource " + resource);
            }
            return new MigrationScript(version(file), file, split(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code V12__name.sql} -> 12. */
    public static int version(String file) {
        return Integer.parseInt(file.substring(1, file.indexOf("__")));
    }

    static List<String> split(String text) {
        StringBuilder current = new StringBuilder();
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String s = current.toString().strip();
                out.add(s.substring(0, s.length() - 1).strip());
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }
}
