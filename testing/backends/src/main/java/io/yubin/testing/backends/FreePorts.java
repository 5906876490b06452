package io.yubin.testing.backends;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts later (another process, a cluster member). A port from
 * {@code new ServerSocket(0)} lies in Linux's ephemeral range (32768 and up), where it may become
 * the local port of one of the test's own client connections (Cassandra's driver opens many)
 * between the choice and the server's bind; a port below that range is never handed out that way.
 */
public final class FreePorts {

    private static final int LOW = 20_000;
    private static final int SPAN = 12_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port free on loopback now, below the ephemeral range. */
    public static int belowEphemeralRange() throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = LOW + random.nextInt(SPAN);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port found below the ephemeral range");
    }
}
