package io.yubin.mailauth.authres;

import io.yubin.mailauth.MessageHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;

/**
 * RFC 8601 §5: an MTA removes the Authentication-Results fields that claim its own authserv-id
 * from a message arriving from outside, before adding its own, so that nobody can make a message
 * look checked by us. Fields of other authserv-ids stay. Works on a stream: the header section is
 * read (at most {@code maxHeaderBytes}) when the first octet is asked for, on the reading thread.
 * A header section longer than that is passed on unread past the limit.
 */
public final class OwnResultsRemover {

    private OwnResultsRemover() {
    }

    /** {@code message} without the Authentication-Results fields whose authserv-id is {@code authservId}. */
    public static InputStream filter(InputStream original, String authservId, int maxHeaderBytes) {
        // the header is read octet by octet: buffered, and the rest of the message read from the same buffer
        InputStream message = new BufferedInputStream(original);
        return new InputStream() {
            private InputStream out;

            private InputStream out() throws IOException {
                if (out == null) {
                    out = new SequenceInputStream(new ByteArrayInputStream(header(message, authservId, maxHeaderBytes)),
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

    private static byte[] header(InputStream message, String authservId, int maxHeaderBytes) throws IOException {
        MessageHeader.Section section = MessageHeader.read(message, maxHeaderBytes);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        for (MessageHeader.Field field : section.fields()) {
            if (!isOurs(field, authservId)) {
                kept.write(field.raw());
            }
        }
        kept.write(section.rest());
        return kept.toByteArray();
    }

    /** Whether a field is an Authentication-Results field carrying {@code authservId}. */
    public static boolean isOurs(MessageHeader.Field field, String authservId) {
        return field.hasName(ResultsHeader.FIELD_NAME)
                && ResultsParser.authservId(field.value()).map(id -> id.equalsIgnoreCase(authservId)).orElse(false);
    }

}
