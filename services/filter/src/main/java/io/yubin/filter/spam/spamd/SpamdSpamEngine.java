package io.yubin.filter.spam.spamd;

import io.yubin.filter.spam.SpamEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

/**
 * SpamAssassin's spamd as a {@link SpamEngine}, over the spamc protocol on TCP, one connection per
 * message as spamc does: learns with TELL (Bayes, into spamd's local database), classifies with
 * CHECK. spam is spamd's own verdict (required_score, 5.0 by default).
 */
public final class SpamdSpamEngine implements SpamEngine {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final InetSocketAddress address;

    public SpamdSpamEngine(InetSocketAddress address) {
        this.address = address;
    }

    @Override
    public String decision() {
        return "spamd says Spam: True (its required_score) at " + address.getHostString() + ":" + address.getPort();
    }

    /** One message at a time: spamd's Bayes database takes one writer. */
    @Override
    public void learn(List<byte[]> messages, boolean spam) {
        for (byte[] message : messages) {
            SpamcProtocol.Reply reply = exchange(SpamcProtocol.tell(message, spam));
            if (!reply.ok()) {
                throw new IllegalStateException("spamd did not learn a message: " + reply);
            }
        }
    }

    @Override
    public boolean isSpam(byte[] message) {
        SpamcProtocol.Reply reply = exchange(SpamcProtocol.check(message));
        if (!reply.ok()) {
            throw new IllegalStateException("spamd did not check a message: " + reply);
        }
        return reply.verdict().spam();
    }

    private SpamcProtocol.Reply exchange(byte[] request) {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) TIMEOUT.toMillis());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            return SpamcProtocol.parse(socket.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("spamd at " + address + ": " + e.getMessage(), e);
        }
    }
}
