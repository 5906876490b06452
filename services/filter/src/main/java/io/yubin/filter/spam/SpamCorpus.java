package io.yubin.filter.spam;

import io.yubin.model.Mbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Messages for training and testing, read from directories of one message per file (a Maildir's
 * cur/, the SpamAssassin corpus) or from mbox files.
 */
public final class SpamCorpus {

    private SpamCorpus() {
    }

    /**
     * The messages under each path, in order: a directory's regular files sorted by name (not
     * hidden files, nor the {@code cmds} index of the SpamAssassin corpus), or an mbox file split
     * at its "From " lines. A file in a directory may begin with an mbox "From " line too; it is
     * left out, as it is no part of the message.
     *
     * @throws IllegalArgumentException when a path does not exist
     */
    public static List<byte[]> read(List<Path> paths) {
        List<byte[]> messages = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                for (Path file : files(path)) {
                    messages.add(Mbox.withoutFromLine(bytes(file)));
                }
            } else if (Files.isRegularFile(path)) {
                messages.addAll(Mbox.split(bytes(path)));
            } else {
                throw new IllegalArgumentException("no such file or directory: " + path);
            }
        }
        return messages;
    }

    private static List<Path> files(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().equals("cmds"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
