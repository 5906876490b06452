package io.yubin.testing.cassandra;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Whether a CQL native transport answers, without a driver: what both kinds of node wait for. */
final class CqlPing {

    private CqlPing() {
    }

    /** The port accepts a connection and answers OPTIONS with SUPPORTED. */
    static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            // protocol v4 request header: version, flags, stream id (2 bytes), opcode OPTIONS, body length 0
            out.write(new byte[] {0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00});
            out.flush();
            byte[] header = new byte[9];
            new DataInputStream(s.getInputStream()).readFully(header);
            return header[0] == (byte) 0x84 && header[4] == 0x06;
        } catch (IOException e) {
            return false;
        }
    }
}
