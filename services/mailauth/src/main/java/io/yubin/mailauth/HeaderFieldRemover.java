package io.yubin.mailauth;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.function.Predicate;

/**
 * A message without the header fields a predicate picks, as a stream: the header section is read
 * (at most {@code maxHeaderBytes}) when the first octet is asked for, on the reading thread; the
 * body is passed on as it is. A header section longer than the limit is passed on unread past it.
 * Used where a server must drop fields that claim something of it: our Authentication-Results (RFC
 * 8601 §5), our virus-scan status.
 */
public final class HeaderFieldRemover {

    private HeaderFieldRemover() {
    }

    public static InputStream filter(InputStream original, Predicate<MessageHeader.Field> remove, int maxHeaderBytes) {
        // the header is read octet by octet: buffered, and the rest of the message read from the same buffer
        InputStream message = new BufferedInputStream(original);
        return new InputStream() {
            private InputStream out;

            private InputStream out() throws IOException {
                if (out == null) {
                    out = new SequenceInputStream(new ByteArrayInputStream(header(message, remove, maxHeaderBytes)),
                            message);
                }
                return out;
            }

            @Override
            public int read() throws IOException {
                return out().read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return out().read(b, off, len);
            }

            @Override
            public void close() throws IOException {
                message.close();
            }
        };
    }

    private static byte[] header(InputStream message, Predicate<MessageHeader.Field> remove, int maxHeaderBytes)
            throws IOException {
        MessageHeader.Section section = MessageHeader.read(message, maxHeaderBytes);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        for (MessageHeader.Field field : section.fields()) {
            if (!remove.test(field)) {
                kept.write(field.raw());
            }
        }
        kept.write(section.rest());
        return kept.toByteArray();
    }
}
