package io.yubin.delivery.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.field.DefaultFieldParser;
import org.apache.james.mime4j.field.Fields;
import org.apache.james.mime4j.field.address.AddressFormatter;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.MimeUtil;

/**
 * Turns an 8-bit MIME message into a 7-bit one for a server that does not announce 8BITMIME (RFC
 * 6152 §3 leaves the choice between converting and returning the message; RFC 1652 §3 describes the
 * conversion): each leaf part whose content has 8-bit octets and whose transfer encoding is 7bit,
 * 8bit, binary or absent gets the Content-Transfer-Encoding quoted-printable ({@code text/*}) or
 * base64 (the rest), in which mime4j's writer then encodes it; a multipart or message/rfc822 part
 * declared 8bit is declared 7bit once its parts are. A message without MIME header fields becomes
 * text/plain with the charset utf-8 when its octets are UTF-8, else unknown-8bit (RFC 1428).
 *
 * <p>The content of every part is kept (parts already encoded are written in the same encoding
 * again), and so are the header fields but those with 8-bit octets, which become RFC 2047 encoded
 * words where that is possible ({@link #sevenBitHeader}); what cannot be converted is refused
 * ({@link Impossible}).
 *
 * <p>The conversion changes the body, so a DKIM signature over it no longer verifies (RFC 6376
 * §5.3); only servers without 8BITMIME, rare today, see the converted form. Works in memory, on
 * the caller's (worker) thread.
 */
final class SevenBitDowngrade {

    /** The message cannot be made 7-bit. */
    static final class Impossible extends Exception {
        private static final long serialVersionUID = 1L;

        Impossible(String message) {
            super(message);
        }
    }

    private static final Set<String> IDENTITY = Set.of("7bit", "8bit", "binary");
    private static final Set<String> UNSTRUCTURED = Set.of("subject", "comments", "content-description");
    private static final Set<String> ADDRESSES = Set.of("from", "sender", "reply-to", "to", "cc", "bcc",
            "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc");

    private SevenBitDowngrade() {
    }

    /** The 7-bit form of the message read from {@code in} (CRLF line ends). */
    static byte[] convert(InputStream in) throws IOException, Impossible {
        // Bodies decoded: the writer encodes each in the encoding its header names.
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        Message message = builder.parseMessage(in);
        try {
            if (message.getHeader().getField("MIME-Version") == null) {
                plainText(message);
            } else {
                convert(message);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new DefaultMessageWriter().writeMessage(message, out);
            return out.toByteArray();
        } finally {
            message.dispose();
        }
    }

    private static void convert(Entity entity) throws IOException, Impossible {
        sevenBitHeader(entity.getHeader());
        Body body = entity.getBody();
        if (body instanceof Multipart multipart) {
            multipart.setPreamble(ascii(multipart.getPreamble()));
            multipart.setEpilogue(ascii(multipart.getEpilogue()));
            for (Entity part : multipart.getBodyParts()) {
                convert(part);
            }
            declareSevenBit(entity);
        } else if (body instanceof Message nested) {
            convert(nested);
            declareSevenBit(entity);
        } else if (body instanceof SingleBody single) {
            String encoding = entity.getContentTransferEncoding().toLowerCase(Locale.ROOT);
            if (IDENTITY.contains(encoding) && eightBit(read(single))) {
                encode(entity, entity.getMimeType().toLowerCase(Locale.ROOT).startsWith("text/"));
            }
        }
    }

    /** A message without MIME-Version: its body is text of an unnamed charset (RFC 2045 §4). */
    private static void plainText(Message message) throws IOException, Impossible {
        sevenBitHeader(message.getHeader());
        if (!(message.getBody() instanceof SingleBody single)) {
            return;
        }
        byte[] content = read(single);
        if (!eightBit(content)) {
            return;
        }
        Header header = message.getHeader();
        header.setField(Fields.version("1.0"));
        header.setField(Fields.contentType("text/plain; charset=" + (utf8(content) ? "utf-8" : "unknown-8bit")));
        encode(message, true);
    }

    private static void encode(Entity entity, boolean text) {
        entity.getHeader().setField(Fields.contentTransferEncoding(text ? "quoted-printable" : "base64"));
    }

    private static void declareSevenBit(Entity entity) {
        Field declared = entity.getHeader().getField("Content-Transfer-Encoding");
        if (declared != null && !declared.getBody().strip().equalsIgnoreCase("7bit")) {
            entity.getHeader().setField(Fields.contentTransferEncoding("7bit"));
        }
    }

    /**
     * 8-bit octets in a header field are not MIME (RFC 6532 needs SMTPUTF8 for them), but sloppy
     * clients send UTF-8 there under 8BITMIME. Such a field of unstructured text (Subject, Comments,
     * Content-Description) or of addresses whose display names or comments are UTF-8 becomes RFC 2047
     * encoded words; any other, or one that is not UTF-8, cannot be converted.
     */
    private static void sevenBitHeader(Header header) throws Impossible {
        List<Field> fields = new ArrayList<>(header.getFields());
        boolean changed = false;
        for (int i = 0; i < fields.size(); i++) {
            Field field = fields.get(i);
            String value = eightBitValue(field);
            if (value != null) {
                fields.set(i, encodedWords(field.getName(), value));
                changed = true;
            }
        }
        if (changed) {
            fields.stream().map(Field::getName).distinct().toList().forEach(header::removeFields);
            fields.forEach(header::addField);
        }
    }

    /** The field's value, unfolded and decoded as UTF-8, when it has 8-bit octets; else null. */
    private static String eightBitValue(Field field) throws Impossible {
        ByteSequence raw = field.getRaw();
        if (raw == null) {
            return null;
        }
        byte[] octets = raw.toByteArray();
        if (!eightBit(octets)) {
            return null;
        }
        int colon = 0;
        while (colon < octets.length && octets[colon] != ':') {
            colon++;
        }
        byte[] value = java.util.Arrays.copyOfRange(octets, Math.min(colon + 1, octets.length), octets.length);
        if (!utf8(value)) {
            throw new Impossible("the header field " + field.getName() + " has 8-bit octets that are not UTF-8");
        }
        return new String(value, StandardCharsets.UTF_8).replace("\r\n", "").replace("\n", "").strip();
    }

    private static Field encodedWords(String name, String value) throws Impossible {
        String lower = name.toLowerCase(Locale.ROOT);
        String encoded;
        if (UNSTRUCTURED.contains(lower)) {
            encoded = EncoderUtil.encodeIfNecessary(value, EncoderUtil.Usage.TEXT_TOKEN, name.length() + 2);
        } else if (ADDRESSES.contains(lower)) {
            AddressList addresses;
            try {
                addresses = DefaultAddressParser.DEFAULT.parseAddressList(value);
            } catch (ParseException e) {
                throw new Impossible("the header field " + name + " has 8-bit octets and cannot be parsed");
            }
            StringBuilder out = new StringBuilder();
            for (Address address : addresses) {
                if (!out.isEmpty()) {
                    out.append(", ");
                }
                AddressFormatter.DEFAULT.encode(out, address);
            }
            encoded = out.toString();
            if (encoded.chars().anyMatch(c -> c > 127)) {
                throw new Impossible("the header field " + name + " has a UTF-8 address, which needs SMTPUTF8");
            }
        } else {
            throw new Impossible("the header field " + name + " has 8-bit octets");
        }
        try {
            // Parsed from its raw form, which the writer then writes as it is, folded at CRLF.
            return DefaultFieldParser.parse(name + ": " + MimeUtil.fold(encoded, name.length() + 2));
        } catch (MimeException e) {
            throw new Impossible("the header field " + name + " cannot be written encoded: " + e.getMessage());
        }
    }

    private static byte[] read(SingleBody body) throws IOException {
        try (InputStream in = body.getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static boolean eightBit(byte[] octets) {
        for (byte b : octets) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean utf8(byte[] octets) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(octets));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Preamble and epilogue are ignored by MIME readers; 8-bit characters in them become '?'. */
    private static String ascii(String text) {
        return text == null ? null : text.codePoints().map(c -> c > 127 ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
