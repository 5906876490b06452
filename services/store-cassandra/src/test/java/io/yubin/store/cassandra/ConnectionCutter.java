package io.yubin.store.cassandra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on 127.0.0.1 in front of a real server that resets (RST, as a restarted peer or a load
 * balancer does) every connection it carries: at once, or when the next request reaches it, which
 * is then never passed on.
 */
final class ConnectionCutter implements AutoCloseable {

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean cutOnNextRequest = new AtomicBoolean();
    private final AtomicInteger requestsCut = new AtomicInteger();

    ConnectionCutter(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        start("accept", this::accept);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** Resets every connection now. */
    void cutAll() {
        open.forEach(this::reset);
    }

    /** Resets every connection when the next request arrives, dropping that request. */
    void cutOnNextRequest() {
        cutOnNextRequest.set(true);
    }

    /** How many requests were dropped by {@link #cutOnNextRequest}. */
    int requestsCut() {
        return requestsCut.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket server = new Socket();
            open.add(client);
            open.add(server);
            try {
                server.connect(target, 5_000);
            } catch (IOException e) {
                // The target refused: the client sees its connection reset.
                reset(client);
                reset(server);
                continue;
            }
            start("requests", () -> relay(client, server, true));
            start("responses", () -> relay(server, client, false));
        }
    }

    private void relay(Socket from, Socket to, boolean requests) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (requests && cutOnNextRequest.compareAndSet(true, false)) {
                    requestsCut.incrementAndGet();
                    cutAll();
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // Reset by us or by a peer: both ends go below.
        } finally {
            reset(from);
            reset(to);
        }
    }

    private void reset(Socket socket) {
        open.remove(socket);
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // Already gone.
        }
    }

    private static void start(String name, Runnable task) {
        Thread thread = new Thread(task, "connection-cutter-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cutAll();
    }
}
