package io.yubin.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The load engine: one thread, one selector, C non-blocking connections. Every command and the
 * message are built into buffers before the first connect; a transaction only rewinds them, so
 * sending costs the generator almost nothing but the system calls.
 *
 * <p>Each connection reads the greeting, says EHLO once, then runs MAIL/RCPT/DATA transactions
 * until N have been started over all connections, then QUIT. With PIPELINING (RFC 2920) MAIL,
 * RCPT and DATA go out in one write and their three replies are read together; DATA is the last
 * command of the group, as §3.1 requires. A refused transaction is followed by RSET.
 */
final class LoadGenerator {

    private enum State { CONNECTING, GREETING, EHLO, MAIL, RCPT, DATA, PIPELINED, BODY, RSET, QUIT, CLOSED }

    private final LoadConfig config;
    private final ByteBuffer body;
    private final byte[] ehlo;
    private final byte[] mail;
    private final byte[][] rcpt;
    private final byte[][] pipelinedGroup;
    private static final byte[] DATA = ascii("DATA\r\n");
    private static final byte[] RSET = ascii("RSET\r\n");
    private static final byte[] QUIT = ascii("QUIT\r\n");

    private final LatencyStats latency;
    private final int[] refusalCounts = new int[600];
    private int nextMessage;
    private int accepted;
    private int refused;
    private int failed;
    private int opened;
    private int pipelining;
    private int open;
    private long t0;
    private long lastCompletion;
    private String firstError;

    /** @param wireMessage the message in DATA wire form: dot-stuffed and ending with {@code .CRLF} */
    LoadGenerator(LoadConfig config, byte[] wireMessage) {
        this.config = config;
        ByteBuffer direct = ByteBuffer.allocateDirect(wireMessage.length);
        direct.put(wireMessage).flip();
        this.body = direct.asReadOnlyBuffer();
        this.ehlo = ascii("EHLO " + config.ehloName() + "\r\n");
        this.mail = ascii("MAIL FROM:<" + config.from() + ">\r\n");
        this.rcpt = new byte[config.users()][];
        this.pipelinedGroup = new byte[config.users()][];
        for (int u = 0; u < config.users(); u++) {
            rcpt[u] = ascii("RCPT TO:<" + config.recipient(u) + ">\r\n");
            pipelinedGroup[u] = concat(mail, rcpt[u], DATA);
        }
        this.latency = new LatencyStats(config.messages());
    }

    LoadResult run() throws IOException {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        boolean timedOut = false;
        try (Selector selector = Selector.open()) {
            t0 = System.nanoTime();
            long deadline = t0 + config.timeout().toNanos();
            for (int i = 0; i < config.connections(); i++) {
                Connection c = new Connection();
                c.open(selector, address);
            }
            while (open > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    timedOut = true;
                    error("timed out after " + config.timeout().toSeconds() + " s");
                    break;
                }
                selector.select(Math.max(1, Math.min(left / 1_000_000, 100)));
                var keys = selector.selectedKeys();
                for (SelectionKey key : keys) {
                    ((Connection) key.attachment()).ready(key);
                }
                keys.clear();
            }
            for (SelectionKey key : selector.keys()) {
                ((Connection) key.attachment()).close();
            }
        }
        long wall = (lastCompletion == 0 ? System.nanoTime() : lastCompletion) - t0;
        return new LoadResult(t0, nextMessage, accepted, refused, failed, opened, pipelining, wall, latency,
                refusalCounts, firstError, timedOut);
    }

    private void error(String message) {
        if (firstError == null) {
            firstError = message;
        }
    }

    /** One SMTP client connection: the state machine of its dialogue and its prebuilt buffers. */
    private final class Connection {
        private final ByteBuffer in = ByteBuffer.allocateDirect(8192);
        private final ReplyReader reader = new ReplyReader();
        private final ByteBuffer bodyView = body.duplicate();
        private final ByteBuffer ehloOut = ByteBuffer.wrap(ehlo).asReadOnlyBuffer();
        private final ByteBuffer mailOut = ByteBuffer.wrap(mail).asReadOnlyBuffer();
        private final ByteBuffer dataOut = ByteBuffer.wrap(DATA).asReadOnlyBuffer();
        private final ByteBuffer rsetOut = ByteBuffer.wrap(RSET).asReadOnlyBuffer();
        private final ByteBuffer quitOut = ByteBuffer.wrap(QUIT).asReadOnlyBuffer();
        private final ByteBuffer[] rcptOut = new ByteBuffer[rcpt.length];
        private final ByteBuffer[] groupOut = new ByteBuffer[rcpt.length];
        private SocketChannel channel;
        private SelectionKey key;
        private State state = State.CONNECTING;
        private boolean pipelined;
        private ByteBuffer pending;
        private int user;
        private int groupReplies;
        private int groupFirstRefusal;
        private long started;
        private boolean inTransaction;

        Connection() {
            for (int u = 0; u < rcpt.length; u++) {
                rcptOut[u] = ByteBuffer.wrap(rcpt[u]).asReadOnlyBuffer();
                groupOut[u] = ByteBuffer.wrap(pipelinedGroup[u]).asReadOnlyBuffer();
            }
        }

        void open(Selector selector, InetSocketAddress address) throws IOException {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(selector, SelectionKey.OP_CONNECT, this);
            open++;
            try {
                if (channel.connect(address)) {
                    connected();
                }
            } catch (IOException e) {
                error("connect: " + e.getMessage());
                close();
            }
        }

        void ready(SelectionKey k) {
            try {
                if (k.isConnectable()) {
                    channel.finishConnect();
                    connected();
                    return;
                }
                if (k.isWritable()) {
                    flush();
                }
                if (state != State.CLOSED && k.isReadable()) {
                    read();
                }
            } catch (IOException | SmtpProtocolException e) {
                error(state + ": " + e.getMessage());
                close();
            }
        }

        private void connected() {
            opened++;
            state = State.GREETING;
            reader.captureText(true);
            key.interestOps(SelectionKey.OP_READ);
        }

        private void read() throws IOException {
            int n = channel.read(in);
            if (n < 0) {
                if (state != State.QUIT) {
                    error(state + ": server closed the connection");
                }
                close();
                return;
            }
            in.flip();
            while (state != State.CLOSED) {
                int code = reader.next(in);
                if (code < 0) {
                    break;
                }
                reply(code);
            }
            in.compact();
        }

        private void reply(int code) throws IOException {
            if (code == 421 && state != State.QUIT) {
                // RFC 5321 §3.8: the server is closing the channel.
                error(state + ": 421 from server");
                if (inTransaction) {
                    refuse(code);
                }
                send(quitOut, State.QUIT);
                return;
            }
            switch (state) {
                case GREETING -> {
                    expect(code, 220);
                    send(ehloOut, State.EHLO);
                }
                case EHLO -> {
                    expect(code, 250);
                    pipelined = config.pipelining() && advertisesPipelining();
                    if (pipelined) {
                        pipelining++;
                    }
                    reader.captureText(false);
                    startTransaction();
                }
                case MAIL -> step(code, 250, rcptOut[user], State.RCPT);
                case RCPT -> step(code, 250, dataOut, State.DATA);
                case DATA -> step(code, 354, bodyView, State.BODY);
                case PIPELINED -> {
                    int wanted = groupReplies == 2 ? 354 : 250;
                    if (code != wanted && groupFirstRefusal == 0) {
                        groupFirstRefusal = code;
                    }
                    if (++groupReplies < 3) {
                        return;
                    }
                    if (code == 354) {
                        // DATA was accepted, so the body must follow even if MAIL or RCPT was not.
                        send(bodyView, State.BODY);
                    } else {
                        refuse(groupFirstRefusal);
                        send(rsetOut, State.RSET);
                    }
                }
                case BODY -> {
                    long now = System.nanoTime();
                    lastCompletion = now;
                    inTransaction = false;
                    if (code / 100 == 2 && groupFirstRefusal == 0) {
                        accepted++;
                        latency.record(now - started);
                    } else {
                        refused++;
                        refusalCounts[code / 100 == 2 ? groupFirstRefusal : code]++;
                    }
                    startTransaction();
                }
                case RSET -> {
                    expect(code, 250);
                    startTransaction();
                }
                case QUIT -> close();
                default -> throw new SmtpProtocolException("unexpected reply " + code);
            }
        }

        private void step(int code, int wanted, ByteBuffer next, State nextState) throws IOException {
            if (code == wanted) {
                send(next, nextState);
            } else {
                refuse(code);
                send(rsetOut, State.RSET);
            }
        }

        private void refuse(int code) {
            refused++;
            refusalCounts[code]++;
            inTransaction = false;
            lastCompletion = System.nanoTime();
        }

        private void expect(int code, int wanted) {
            if (code != wanted) {
                throw new SmtpProtocolException("expected " + wanted + ", got " + code);
            }
        }

        private boolean advertisesPipelining() {
            for (String line : reader.text()) {
                if (line.regionMatches(true, 0, "PIPELINING", 0, 10)
                        && (line.length() == 10 || line.charAt(10) == ' ')) {
                    return true;
                }
            }
            return false;
        }

        private void startTransaction() throws IOException {
            if (nextMessage == config.messages()) {
                send(quitOut, State.QUIT);
                return;
            }
            user = nextMessage % config.users();
            nextMessage++;
            inTransaction = true;
            groupFirstRefusal = 0;
            started = System.nanoTime();
            if (pipelined) {
                groupReplies = 0;
                send(groupOut[user], State.PIPELINED);
            } else {
                send(mailOut, State.MAIL);
            }
        }

        private void send(ByteBuffer buffer, State next) throws IOException {
            if (pending != null) {
                throw new SmtpProtocolException("reply arrived before the previous command was sent");
            }
            state = next;
            buffer.rewind();
            channel.write(buffer);
            if (buffer.hasRemaining()) {
                pending = buffer;
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }

        private void flush() throws IOException {
            channel.write(pending);
            if (!pending.hasRemaining()) {
                pending = null;
                key.interestOps(SelectionKey.OP_READ);
            }
        }

        void close() {
            if (state == State.CLOSED) {
                return;
            }
            if (inTransaction) {
                failed++;
                inTransaction = false;
            }
            state = State.CLOSED;
            open--;
            key.cancel();
            try {
                channel.close();
            } catch (IOException e) {
                error("close: " + e.getMessage());
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
