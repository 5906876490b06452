package io.yubin.imap;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An {@link ImapHarness} server as a process of its own, for {@link BoundedMemoryTest}: started in
 * a JVM with a small heap. Arguments: data directory, file to write the port to. Runs until its
 * standard input ends.
 */
public final class SmallHeapImapServer {

    private SmallHeapImapServer() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try (ImapHarness harness = new ImapHarness(dir, true)) {
            harness.addUser("big");
            Path port = Path.of(args[1]);
            Files.writeString(port.resolveSibling(port.getFileName() + ".tmp"),
                    Integer.toString(harness.server.actualPort()), StandardCharsets.US_ASCII);
            Files.move(port.resolveSibling(port.getFileName() + ".tmp"), port);
            while (System.in.read() >= 0) {
                // Until the test closes our standard input.
            }
        }
        System.exit(0);
    }
}
