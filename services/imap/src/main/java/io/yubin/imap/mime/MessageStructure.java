package io.yubin.imap.mime;

import io.yubin.imap.ImapStrings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.stream.NameValuePair;

/**
 * What FETCH, SEARCH, SORT and THREAD need of a message that does not change: its ENVELOPE,
 * BODYSTRUCTURE and BODY (RFC 9051 §7.5.2) and its decoded top-level header fields, computed once
 * when the message is first fetched or searched and stored per blob with the metadata
 * ({@code MailboxStore.putStructure}), so later commands do not read or parse the message again.
 *
 * <p>Strings are rendered for any client: eight-bit text goes out as literals, which IMAP4rev1 and
 * IMAP4rev2 clients both accept.
 */
public final class MessageStructure {

    /**
     * The first octet of the stored form. 1: envelope, body structure, body. 2: also the top-level
     * header fields for SEARCH, SORT and THREAD. 3: also the part tree with byte offsets, for ranged
     * reads of sections. 4: envelope addresses read by {@link AddressFieldParser} (names from
     * comments, raw display names, no NIL host outside group markers), and the first mailbox of
     * From, To and Cc for SORT. 5: that first mailbox is a group's name when the list opens with a
     * group (RFC 5256 §3 "first address" as ENVELOPE gives it), where 4 kept the group's first member.
     * Only this format is read: the envelopes of 1 to 3 (also inside BODYSTRUCTURE) and the sort
     * addresses of 4 were computed by older rules, so anything else means "parse again", and the
     * structure is stored anew.
     */
    static final byte FORMAT = 5;
    /** The fields whose first mailbox is kept for SORT (RFC 5256 §3 FROM, TO, CC; RFC 5957). */
    static final List<String> SORT_FIELDS = List.of("From", "To", "Cc");
    /** Header fields stored for SEARCH up to this many characters (names and values); past it, none. */
    static final int HEADER_LIMIT = 64 * 1024;

    private final int format;
    private final String envelope;
    private final String bodyStructure;
    private final String body;
    /** Null when the header block was over {@link #HEADER_LIMIT}. */
    private final List<MimePart.Field> headers;
    private final Part parts;
    /** Per {@link #SORT_FIELDS} entry, its first mailbox or null. */
    private final List<EnvelopeAddress.Mailbox> firstMailboxes;

    private MessageStructure(int format, String envelope, String bodyStructure, String body,
            List<MimePart.Field> headers, Part parts, List<EnvelopeAddress.Mailbox> firstMailboxes) {
        this.format = format;
        this.envelope = envelope;
        this.bodyStructure = bodyStructure;
        this.body = body;
        this.headers = headers;
        this.parts = parts;
        this.firstMailboxes = firstMailboxes;
    }

    /**
     * Where an entity is in the message's octets, enough to resolve a section (RFC 9051 §6.4.5)
     * without the message.
     *
     * @param encoding Content-Transfer-Encoding, lower-cased
     * @param message for message/rfc822 and message/global: the embedded message, else null
     */
    public record Part(int headerStart, int bodyStart, int end, String encoding, boolean multipart,
            List<Part> children, Part message) {

        public Part {
            children = List.copyOf(children);
        }

        public static Part of(MimePart p) {
            List<Part> children = new ArrayList<>(p.children.size());
            for (MimePart c : p.children) {
                children.add(of(c));
            }
            return new Part(p.headerStart, p.bodyStart, p.end, p.encoding(), p.isMultipart(), children,
                    p.message == null ? null : of(p.message));
        }
    }

    public static MessageStructure of(byte[] message) {
        return of(MimePart.parse(message));
    }

    public static MessageStructure of(MimePart root) {
        List<MimePart.Field> fields = decodedFields(root);
        long size = 0;
        for (MimePart.Field f : fields) {
            size += f.name().length() + f.value().length();
        }
        return new MessageStructure(FORMAT, envelope(root), structure(root, true), structure(root, false),
                size <= HEADER_LIMIT ? fields : null, Part.of(root), firstMailboxes(root));
    }

    /** The first mailboxes of From, To and Cc in that order, as {@link #firstMailboxes()} keeps them. */
    public static List<EnvelopeAddress.Mailbox> firstMailboxes(MimePart root) {
        List<EnvelopeAddress.Mailbox> first = new ArrayList<>(SORT_FIELDS.size());
        for (String field : SORT_FIELDS) {
            first.add(firstMailbox(root, field).orElse(null));
        }
        return Collections.unmodifiableList(first);
    }

    /**
     * The first mailbox of a top-level address field as ENVELOPE reads it ({@link AddressFieldParser},
     * {@link EnvelopeAddress#first}), from the field as written: a display name such as
     * {@code =?UTF-8?Q?Doe=2C_John?=} stays one name, where reading the decoded value would split it.
     */
    public static Optional<EnvelopeAddress.Mailbox> firstMailbox(MimePart root, String field) {
        return EnvelopeAddress.first(AddressFieldParser.parse(MimePart.value(root.fields, field)));
    }

    /**
     * The top-level header fields as SEARCH, SORT and THREAD compare them: unfolded, RFC 2047 encoded
     * words decoded (RFC 9051 §6.4.4, RFC 5256 §2.1).
     */
    public static List<MimePart.Field> decodedFields(MimePart root) {
        List<MimePart.Field> out = new ArrayList<>(root.fields.size());
        for (MimePart.Field f : root.fields) {
            out.add(new MimePart.Field(f.name(), DecoderUtil.decodeEncodedWords(f.value(), DecodeMonitor.SILENT)));
        }
        return List.copyOf(out);
    }

    public String envelope() {
        return envelope;
    }

    public String bodyStructure() {
        return bodyStructure;
    }

    public String body() {
        return body;
    }

    /**
     * Whether this was stored in the current format, i.e. holds everything {@link #of} computes.
     * Always so since format 4, as {@link #fromBytes} reads no other.
     */
    public boolean current() {
        return format == FORMAT;
    }

    /**
     * The decoded top-level header fields in message order ({@link #decodedFields}); empty when the
     * header block is too large to keep here.
     */
    public Optional<List<MimePart.Field>> headers() {
        return Optional.ofNullable(headers);
    }

    /** The part tree with byte offsets; every format that is read has one. */
    public Optional<Part> parts() {
        return Optional.ofNullable(parts);
    }

    /**
     * {@link #firstMailbox(MimePart, String)} as computed when this was made, for From, To or Cc
     * (case-insensitive): what SORT compares, without the message.
     */
    public Optional<EnvelopeAddress.Mailbox> firstMailbox(String field) {
        return firstMailbox(firstMailboxes, field);
    }

    /** The first mailboxes of From, To and Cc in that order (an entry is null when the field has none). */
    public List<EnvelopeAddress.Mailbox> firstMailboxes() {
        return firstMailboxes;
    }

    /** The entry for {@code field} (From, To or Cc, any case) of a {@link #firstMailboxes()} list. */
    public static Optional<EnvelopeAddress.Mailbox> firstMailbox(List<EnvelopeAddress.Mailbox> first, String field) {
        for (int i = 0; i < SORT_FIELDS.size(); i++) {
            if (SORT_FIELDS.get(i).equalsIgnoreCase(field)) {
                return Optional.ofNullable(first.get(i));
            }
        }
        throw new IllegalArgumentException("no first mailbox kept for " + field);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(FORMAT);
            for (String s : List.of(envelope, bodyStructure, body)) {
                writeString(out, s);
            }
            out.writeBoolean(headers != null);
            if (headers != null) {
                out.writeInt(headers.size());
                for (MimePart.Field f : headers) {
                    writeString(out, f.name());
                    writeString(out, f.value());
                }
            }
            writePart(out, parts);
            for (EnvelopeAddress.Mailbox m : firstMailboxes) {
                out.writeBoolean(m != null);
                if (m != null) {
                    for (String s : Arrays.asList(m.name(), m.route(), m.localPart(), m.domain())) {
                        writeNullable(out, s);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * IllegalArgumentException for another format than {@link #FORMAT} (older ones included) or
     * damaged bytes: parse the message again.
     */
    public static MessageStructure fromBytes(byte[] data) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        try {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("structure format " + format + " is not read");
            }
            String envelope = readString(in);
            String bodyStructure = readString(in);
            String body = readString(in);
            List<MimePart.Field> headers = null;
            if (in.readBoolean()) {
                int n = in.readInt();
                if (n < 0 || n > data.length) {
                    throw new IllegalArgumentException("damaged structure");
                }
                List<MimePart.Field> fields = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    fields.add(new MimePart.Field(readString(in), readString(in)));
                }
                headers = List.copyOf(fields);
            }
            Part parts = readPart(in, 0);
            List<EnvelopeAddress.Mailbox> first = new ArrayList<>(SORT_FIELDS.size());
            for (int i = 0; i < SORT_FIELDS.size(); i++) {
                first.add(in.readBoolean() ? new EnvelopeAddress.Mailbox(readNullable(in), readNullable(in),
                        readNullable(in), readNullable(in)) : null);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("damaged structure");
            }
            return new MessageStructure(format, envelope, bodyStructure, body, headers, parts,
                    Collections.unmodifiableList(first));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated structure", e);
        }
    }

    private static void writePart(DataOutputStream out, Part p) throws IOException {
        out.writeInt(p.headerStart());
        out.writeInt(p.bodyStart());
        out.writeInt(p.end());
        writeString(out, p.encoding());
        out.writeBoolean(p.multipart());
        out.writeInt(p.children().size());
        for (Part c : p.children()) {
            writePart(out, c);
        }
        out.writeBoolean(p.message() != null);
        if (p.message() != null) {
            writePart(out, p.message());
        }
    }

    private static Part readPart(DataInputStream in, int depth) throws IOException {
        if (depth > MimePart.MAX_DEPTH + 1) {
            throw new IllegalArgumentException("damaged structure");
        }
        int headerStart = in.readInt();
        int bodyStart = in.readInt();
        int end = in.readInt();
        if (headerStart < 0 || bodyStart < headerStart || end < bodyStart) {
            throw new IllegalArgumentException("damaged structure");
        }
        String encoding = readString(in);
        boolean multipart = in.readBoolean();
        int n = in.readInt();
        if (n < 0 || n > MimePart.MAX_PARTS) {
            throw new IllegalArgumentException("damaged structure");
        }
        List<Part> children = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            children.add(readPart(in, depth + 1));
        }
        Part message = in.readBoolean() ? readPart(in, depth + 1) : null;
        return new Part(headerStart, bodyStart, end, encoding, multipart, children, message);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > in.available()) {
            throw new IOException("truncated structure");
        }
        return new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            writeString(out, s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }

    // RFC 9051 §7.5.2 envelope: date subject from sender reply-to to cc bcc in-reply-to message-id.
    static String envelope(MimePart message) {
        List<MimePart.Field> f = message.fields;
        List<EnvelopeAddress> from = addresses(f, "From");
        List<EnvelopeAddress> sender = addresses(f, "Sender");
        List<EnvelopeAddress> replyTo = addresses(f, "Reply-To");
        StringBuilder out = new StringBuilder("(");
        nstring(out, MimePart.value(f, "Date")).append(' ');
        nstring(out, MimePart.value(f, "Subject")).append(' ');
        EnvelopeAddress.render(out, from).append(' ');
        // RFC 9051 §7.5.2: sender and reply-to absent or empty are set to from.
        EnvelopeAddress.render(out, sender.isEmpty() ? from : sender).append(' ');
        EnvelopeAddress.render(out, replyTo.isEmpty() ? from : replyTo).append(' ');
        EnvelopeAddress.render(out, addresses(f, "To")).append(' ');
        EnvelopeAddress.render(out, addresses(f, "Cc")).append(' ');
        EnvelopeAddress.render(out, addresses(f, "Bcc")).append(' ');
        nstring(out, MimePart.value(f, "In-Reply-To")).append(' ');
        nstring(out, MimePart.value(f, "Message-ID"));
        return out.append(')').toString();
    }

    private static StringBuilder nstring(StringBuilder out, String value) {
        return ImapStrings.appendNString(out, value, false);
    }

    private static List<EnvelopeAddress> addresses(List<MimePart.Field> fields, String name) {
        return AddressFieldParser.parse(MimePart.value(fields, name));
    }

    static String structure(MimePart part, boolean extensible) {
        StringBuilder out = new StringBuilder();
        structure(out, part, extensible);
        return out.toString();
    }

    private static void structure(StringBuilder out, MimePart part, boolean extensible) {
        out.append('(');
        if (part.isMultipart()) {
            for (MimePart child : part.children) {
                structure(out, child, extensible);
            }
            out.append(' ');
            ImapStrings.appendString(out, part.subtype.toUpperCase(Locale.ROOT), false);
            if (extensible) {
                out.append(' ');
                params(out, part.params);
                extension(out, part);
            }
            out.append(')');
            return;
        }
        ImapStrings.appendString(out, part.type.toUpperCase(Locale.ROOT), false).append(' ');
        ImapStrings.appendString(out, part.subtype.toUpperCase(Locale.ROOT), false).append(' ');
        params(out, part.params).append(' ');
        nstring(out, MimePart.value(part.fields, "Content-ID")).append(' ');
        nstring(out, MimePart.value(part.fields, "Content-Description")).append(' ');
        ImapStrings.appendString(out, part.encoding().toUpperCase(Locale.ROOT), false).append(' ');
        out.append(part.end - part.bodyStart);
        if (part.message != null) {
            out.append(' ').append(envelope(part.message)).append(' ');
            structure(out, part.message, extensible);
            out.append(' ').append(part.lines);
        } else if ("text".equalsIgnoreCase(part.type)) {
            out.append(' ').append(part.lines);
        }
        if (extensible) {
            out.append(' ');
            nstring(out, MimePart.value(part.fields, "Content-MD5"));
            extension(out, part);
        }
        out.append(')');
    }

    private static StringBuilder params(StringBuilder out, List<NameValuePair> params) {
        List<NameValuePair> shown = params.stream()
                .filter(p -> p.getName() != null && !p.getName().isEmpty() && p.getValue() != null).toList();
        if (shown.isEmpty()) {
            return out.append("NIL");
        }
        out.append('(');
        for (int i = 0; i < shown.size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            ImapStrings.appendString(out, shown.get(i).getName().toUpperCase(Locale.ROOT), false).append(' ');
            ImapStrings.appendString(out, shown.get(i).getValue(), false);
        }
        return out.append(')');
    }

    /** body-ext: disposition, language, location (RFC 9051 §7.5.2). */
    private static void extension(StringBuilder out, MimePart part) {
        out.append(' ');
        String disposition = MimePart.value(part.fields, "Content-Disposition");
        if (disposition == null || disposition.isBlank()) {
            out.append("NIL");
        } else {
            org.apache.james.mime4j.stream.RawBody body = org.apache.james.mime4j.stream.RawFieldParser.DEFAULT
                    .parseRawBody(new org.apache.james.mime4j.stream.RawField("Content-Disposition", disposition));
            out.append('(');
            ImapStrings.appendString(out, body.getValue() == null ? "" : body.getValue().toUpperCase(Locale.ROOT),
                    false).append(' ');
            params(out, body.getParams()).append(')');
        }
        out.append(' ');
        String language = MimePart.value(part.fields, "Content-Language");
        if (language == null || language.isBlank()) {
            out.append("NIL");
        } else {
            List<String> tags = new ArrayList<>();
            for (String t : language.split(",")) {
                if (!t.isBlank()) {
                    tags.add(t.trim());
                }
            }
            out.append('(');
            for (int i = 0; i < tags.size(); i++) {
                if (i > 0) {
                    out.append(' ');
                }
                ImapStrings.appendString(out, tags.get(i), false);
            }
            out.append(')');
        }
        out.append(' ');
        nstring(out, MimePart.value(part.fields, "Content-Location"));
    }

    /** Where a section's octets are in the message, or empty when the part does not exist. */
    public record Range(int offset, int length) {
    }

    /**
     * A resolved section: where its octets are, and the transfer encoding of the entity they belong
     * to (for BINARY, RFC 3516).
     */
    public record Located(Range range, String encoding) {
    }

    /**
     * Resolves a section (RFC 9051 §6.4.5) against the part tree: part numbers walk multiparts;
     * a non-multipart message or part has its content as part 1; after a message/rfc822 part,
     * HEADER, TEXT and further numbers refer to the embedded message.
     */
    public static Optional<Located> locate(Part root, SectionSpec spec) {
        Part message = root;
        Part part = null;
        for (int n : spec.part()) {
            Part container = part == null ? message : part.message() != null ? part.message() : part;
            if (part != null && part.message() == null && !part.multipart()) {
                return Optional.empty();
            }
            if (container.multipart()) {
                if (n > container.children().size()) {
                    return Optional.empty();
                }
                part = container.children().get(n - 1);
            } else if (n == 1) {
                part = container;
            } else {
                return Optional.empty();
            }
        }
        String encoding = (part == null ? root : part).encoding();
        switch (spec.text()) {
            case ALL:
                if (part == null) {
                    return Optional.of(new Located(new Range(0, root.end()), encoding));
                }
                return Optional.of(new Located(new Range(part.bodyStart(), part.end() - part.bodyStart()), encoding));
            case MIME:
                return Optional.of(new Located(new Range(part.headerStart(), part.bodyStart() - part.headerStart()),
                        encoding));
            default:
                Part target = part == null ? message : part.message();
                if (target == null) {
                    return Optional.empty();
                }
                if (spec.text() == SectionSpec.Text.TEXT) {
                    return Optional.of(new Located(new Range(target.bodyStart(), target.end() - target.bodyStart()),
                            encoding));
                }
                return Optional.of(new Located(new Range(target.headerStart(),
                        target.bodyStart() - target.headerStart()), encoding));
        }
    }

    /**
     * The fields of a header block named (or, with {@code not}, not named) in {@code fields}, with
     * their original octets, followed by the empty line (RFC 9051 §6.4.5 HEADER.FIELDS).
     */
    public static byte[] filterHeader(byte[] header, List<String> fields, boolean not) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        boolean keep = false;
        while (i < header.length) {
            int le = i;
            while (le < header.length && header[le] != '\n') {
                le++;
            }
            int next = Math.min(header.length, le + 1);
            boolean empty = le == i || (le == i + 1 && header[i] == '\r');
            if (empty) {
                break;
            }
            if (header[i] != ' ' && header[i] != '\t') {
                int colon = i;
                while (colon < le && header[colon] != ':') {
                    colon++;
                }
                String name = new String(header, i, colon - i, StandardCharsets.US_ASCII).trim()
                        .toUpperCase(Locale.ROOT);
                keep = fields.contains(name) != not;
            }
            if (keep) {
                out.write(header, i, next - i);
                if (header[next - 1] != '\n') {
                    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            i = next;
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
