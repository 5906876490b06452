package io.yubin.filter.spam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
                    messages.add(withoutFromLine(bytes(file)));
                }
            } else if (Files.isRegularFile(path)) {
                messages.addAll(io.yubin.model.Mbox.split(bytes(path)));
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

    private static byte[] withoutFromLine(byte[] message) {
        if (!startsWithFrom(message, 0)) {
            return message;
        }
        int end = indexOf(message, (byte) '\n', 0);
        return end < 0 ? new byte[0] : Arrays.copyOfRange(message, end + 1, message.length);
    }

    private static boolean startsWithFrom(byte[] b, int at) {
        return at + 5 <= b.length && b[at] == 'F' && b[at + 1] == 'r' && b[at + 2] == 'o' && b[at + 3] == 'm'
                && b[at + 4] == ' ';
    }

    private static int indexOf(byte[] b, byte value, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
