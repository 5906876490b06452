package io.yubin.filter.spam;

import io.yubin.model.Mbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
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
        try (Messages each = open(paths)) {
            for (byte[] m = each.next(); m != null; m = each.next()) {
                messages.add(m);
            }
        }
        return messages;
    }

    /**
     * The messages of {@link #read}, one at a time: an mbox file of any size takes the memory of its
     * largest message (what training reads; an evaluation keeps them all).
     *
     * @throws IllegalArgumentException when a path does not exist (on reaching it)
     */
    public static Messages open(List<Path> paths) {
        return new Messages(paths);
    }

    /** Messages read one at a time; {@link #next} is null after the last. */
    public static final class Messages implements AutoCloseable {
        private final Iterator<Path> paths;
        private Iterator<Path> files = Collections.emptyIterator();
        private Mbox.Reader box;

        private Messages(List<Path> paths) {
            this.paths = List.copyOf(paths).iterator();
        }

        public byte[] next() {
            try {
                while (true) {
                    if (box != null) {
                        Mbox.Message m = box.next();
                        if (m != null) {
                            return m.content();
                        }
                        box.close();
                        box = null;
                    }
                    if (files.hasNext()) {
                        return Mbox.withoutFromLine(Files.readAllBytes(files.next()));
                    }
                    if (!paths.hasNext()) {
                        return null;
                    }
                    Path path = paths.next();
                    if (Files.isDirectory(path)) {
                        files = files(path).iterator();
                    } else if (Files.isRegularFile(path)) {
                        box = Mbox.readerAsInFile(Files.newInputStream(path));
                    } else {
                        throw new IllegalArgumentException("no such file or directory: " + path);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (box != null) {
                try {
                    box.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
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

}
