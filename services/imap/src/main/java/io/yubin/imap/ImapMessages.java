package io.yubin.imap;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.yubin.imap.mime.MessageStructure;
import io.yubin.imap.mime.SectionSpec;
import io.yubin.store.BlobId;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;

/**
 * FETCH over message bodies: reads bodies on the body threads (never an event loop), keeps the
 * MIME structure once per blob in the store, and writes FETCH responses in order, a bounded number
 * of messages prepared ahead, waiting for the socket to drain in between. (SEARCH is
 * {@link MessageSearch}.)
 */
final class ImapMessages {

    enum Kind { UID, FLAGS, INTERNALDATE, SIZE, ENVELOPE, BODYSTRUCTURE, BODY, SECTION, BINARY, BINARY_SIZE, MODSEQ }

    /**
     * One FETCH item.
     *
     * @param label how the response names it, e.g. {@code BODY[HEADER]<0>}
     */
    record Item(Kind kind, SectionSpec section, boolean peek, long start, long length, String label) {
    }

    private static final Pattern SECTION_ITEM = Pattern.compile(
            "(BODY|BODY\\.PEEK|BINARY|BINARY\\.PEEK|BINARY\\.SIZE)\\[([^\\]]*)\\](?:<(\\d+)(?:\\.(\\d+))?>)?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern FIELDS = Pattern.compile("(.*?)(HEADER\\.FIELDS(?:\\.NOT)?)\\s*\\(([^)]*)\\)",
            Pattern.CASE_INSENSITIVE);

    private final Storage storage;
    private final WorkerExecutor bodies;
    private final Context context;

    /** @param bodies the threads that read and parse message bodies */
    ImapMessages(Storage storage, WorkerExecutor bodies, Context context) {
        this.storage = storage;
        this.bodies = bodies;
        this.context = context;
    }

    static List<Item> parseItems(List<String> names) {
        List<Item> items = new ArrayList<>();
        for (String name : names) {
            String n = name.toUpperCase(Locale.ROOT);
            switch (n) {
                case "UID": items.add(simple(Kind.UID, "UID")); continue;
                case "FLAGS": items.add(simple(Kind.FLAGS, "FLAGS")); continue;
                case "INTERNALDATE": items.add(simple(Kind.INTERNALDATE, "INTERNALDATE")); continue;
                case "RFC822.SIZE": items.add(simple(Kind.SIZE, "RFC822.SIZE")); continue;
                case "ENVELOPE": items.add(simple(Kind.ENVELOPE, "ENVELOPE")); continue;
                case "BODYSTRUCTURE": items.add(simple(Kind.BODYSTRUCTURE, "BODYSTRUCTURE")); continue;
                case "BODY": items.add(simple(Kind.BODY, "BODY")); continue;
                case "MODSEQ": items.add(simple(Kind.MODSEQ, "MODSEQ")); continue;
                case "RFC822":
                    items.add(new Item(Kind.SECTION, SectionSpec.WHOLE, false, -1, -1, "RFC822"));
                    continue;
                case "RFC822.HEADER":
                    items.add(new Item(Kind.SECTION, new SectionSpec(List.of(), SectionSpec.Text.HEADER, List.of()), true,
                            -1, -1, "RFC822.HEADER"));
                    continue;
                case "RFC822.TEXT":
                    items.add(new Item(Kind.SECTION, new SectionSpec(List.of(), SectionSpec.Text.TEXT, List.of()), false,
                            -1, -1, "RFC822.TEXT"));
                    continue;
                default:
                    break;
            }
            Matcher m = SECTION_ITEM.matcher(name);
            if (!m.matches()) {
                throw new ImapParser.ImapParseException("Unknown FETCH item " + name);
            }
            String what = m.group(1).toUpperCase(Locale.ROOT);
            SectionSpec section = section(m.group(2));
            long start = m.group(3) == null ? -1 : Long.parseLong(m.group(3));
            long length = m.group(4) == null ? -1 : Long.parseLong(m.group(4));
            if (length == 0 && m.group(4) != null && start < 0) {
                throw new ImapParser.ImapParseException("Invalid partial");
            }
            boolean binary = what.startsWith("BINARY");
            if (binary && section.text() != SectionSpec.Text.ALL) {
                throw new ImapParser.ImapParseException("BINARY takes part numbers only");
            }
            String base = what.equals("BODY.PEEK") ? "BODY" : what.equals("BINARY.PEEK") ? "BINARY" : what;
            String label = base + "[" + section.render() + "]" + (start >= 0 ? "<" + start + ">" : "");
            Kind kind = what.equals("BINARY.SIZE") ? Kind.BINARY_SIZE : binary ? Kind.BINARY : Kind.SECTION;
            items.add(new Item(kind, section, what.endsWith(".PEEK") || kind == Kind.BINARY_SIZE, start, length,
                    label));
        }
        return items;
    }

    private static Item simple(Kind kind, String label) {
        return new Item(kind, null, true, -1, -1, label);
    }

    private static SectionSpec section(String text) {
        String t = text.trim();
        List<String> fields = List.of();
        SectionSpec.Text what = SectionSpec.Text.ALL;
        Matcher fm = FIELDS.matcher(t);
        String head = t;
        if (fm.matches()) {
            head = fm.group(1);
            what = fm.group(2).equalsIgnoreCase("HEADER.FIELDS") ? SectionSpec.Text.HEADER_FIELDS
                    : SectionSpec.Text.HEADER_FIELDS_NOT;
            fields = List.of(fm.group(3).trim().split("\\s+")).stream().filter(s -> !s.isEmpty())
                    .map(s -> s.replace("\"", "")).toList();
            if (fields.isEmpty()) {
                throw new ImapParser.ImapParseException("HEADER.FIELDS needs field names");
            }
        }
        List<Integer> part = new ArrayList<>();
        String[] pieces = head.isEmpty() ? new String[0] : head.split("\\.");
        for (String piece : pieces) {
            if (piece.isEmpty()) {
                continue;
            }
            if (piece.chars().allMatch(Character::isDigit) && what == SectionSpec.Text.ALL) {
                try {
                    int n = Integer.parseInt(piece);
                    if (n < 1) {
                        throw new NumberFormatException();
                    }
                    part.add(n);
                } catch (NumberFormatException e) {
                    throw new ImapParser.ImapParseException("Invalid part number " + piece);
                }
                continue;
            }
            if (piece.chars().allMatch(Character::isDigit)) {
                part.add(Integer.parseInt(piece));
                continue;
            }
            switch (piece.toUpperCase(Locale.ROOT)) {
                case "HEADER": what = SectionSpec.Text.HEADER; break;
                case "TEXT": what = SectionSpec.Text.TEXT; break;
                case "MIME": what = SectionSpec.Text.MIME; break;
                default: throw new ImapParser.ImapParseException("Invalid section " + text);
            }
        }
        try {
            return new SectionSpec(part, what, fields);
        } catch (IllegalArgumentException e) {
            throw new ImapParser.ImapParseException("Invalid section " + text + ": " + e.getMessage());
        }
    }

    static List<Item> withUid(List<Item> items) {
        if (items.stream().anyMatch(i -> i.kind() == Kind.UID)) {
            return items;
        }
        List<Item> out = new ArrayList<>(items);
        out.add(0, simple(Kind.UID, "UID"));
        return out;
    }

    static List<Item> withModSeq(List<Item> items) {
        if (items.stream().anyMatch(i -> i.kind() == Kind.MODSEQ)) {
            return items;
        }
        List<Item> out = new ArrayList<>(items);
        out.add(simple(Kind.MODSEQ, "MODSEQ"));
        return out;
    }

    /**
     * What a FETCH did: the UIDs whose \Seen a non-PEEK body fetch must set, and whether some
     * message's body was gone (expunged by another session meanwhile, RFC 5530 EXPUNGEISSUED).
     */
    record FetchOutcome(List<Long> seen, boolean expunged) {
    }

    /** Messages prepared (read, structure computed) ahead of the one whose response is written. */
    static final int FETCH_AHEAD = 8;
    /** Body octets that may be in flight for those (the next message is always allowed). */
    static final long FETCH_AHEAD_OCTETS = 16L * 1024 * 1024;

    /**
     * Writes the FETCH responses in message order (RFC 9051 §7.4.2 allows any order; clients expect
     * this one), preparing up to {@link #FETCH_AHEAD} messages ahead on the blob workers, and waiting
     * for the socket to drain after each response.
     */
    Future<FetchOutcome> fetch(SelectedMailbox s, List<MessageRecord> targets, List<Item> items,
            ImapSession.Client client) {
        boolean needsBody = items.stream().anyMatch(i -> i.kind() == Kind.SECTION || i.kind() == Kind.BINARY
                || i.kind() == Kind.BINARY_SIZE);
        boolean needsStructure = items.stream().anyMatch(i -> i.kind() == Kind.ENVELOPE
                || i.kind() == Kind.BODYSTRUCTURE || i.kind() == Kind.BODY);
        return new FetchRun(s, targets, items, needsBody, needsStructure, client).run();
    }

    /**
     * What a message's response is rendered from.
     *
     * @param contents per item: a section's content as the response carries it (partial applied,
     *     BINARY decoded), null for other items; null when no item is a section
     */
    private record Prepared(List<Content> contents, MessageStructure structure) {
    }

    /** A section's content as the response carries it. */
    private sealed interface Content {
        long length();
    }

    /** Octets at hand. */
    private record Octets(byte[] octets) implements Content {
        @Override
        public long length() {
            return octets.length;
        }
    }

    /**
     * Octets read from the blob only while the response is written: {@code length} octets of the
     * blob's {@code range}, decoded by {@code encoding} (null: as stored), after skipping {@code skip}.
     */
    private record Streamed(BlobId blob, MessageStructure.Range range, String encoding, long skip, long length,
            boolean literal) implements Content {

        Streamed(BlobId blob, MessageStructure.Range range, String encoding, long skip, long length) {
            this(blob, range, encoding, skip, length, false);
        }

        /** Sent in a literal, not a literal8: its NUL octets are replaced ({@link #withoutNul}). */
        Streamed asLiteral() {
            return new Streamed(blob, range, encoding, skip, length, true);
        }
    }

    /**
     * RFC 9051 §4.3: a literal (unlike BINARY's literal8) never holds NUL. A stored body that does
     * (received as BINARYMIME, or a large binary APPEND) has its NULs sent as 0x80 in BODY[] and
     * RFC822 answers, as Dovecot does; the length stays, so partial fetches and RFC822.SIZE agree,
     * and BINARY[] still gives the octets as stored.
     */
    static byte[] withoutNul(byte[] octets) {
        byte[] out = null;
        for (int i = 0; i < octets.length; i++) {
            if (octets[i] == 0) {
                if (out == null) {
                    out = octets.clone();
                }
                out[i] = (byte) 0x80;
            }
        }
        return out == null ? octets : out;
    }

    /** Sections from this size on are streamed from the blob to the socket instead of read whole first. */
    static final int STREAM_THRESHOLD = 1024 * 1024;
    /** Octets read from the blob per step while streaming. */
    private static final int STREAM_CHUNK = 256 * 1024;

    private record Pending(MessageRecord m, long octets, Future<Prepared> prepared) {
    }

    /** One FETCH: a bounded window of prepared messages, written in order; state only on the session's context. */
    private final class FetchRun {
        private final SelectedMailbox s;
        private final List<MessageRecord> targets;
        private final List<Item> items;
        private final boolean needsBody;
        private final boolean needsStructure;
        private final ImapSession.Client client;
        private final ArrayDeque<Pending> ahead = new ArrayDeque<>();
        private final List<Long> seen = new ArrayList<>();
        private final Promise<FetchOutcome> done = Promise.promise();
        private int next;
        private long octetsAhead;
        private boolean expunged;

        FetchRun(SelectedMailbox s, List<MessageRecord> targets, List<Item> items, boolean needsBody,
                boolean needsStructure, ImapSession.Client client) {
            this.s = s;
            this.targets = targets;
            this.items = items;
            this.needsBody = needsBody;
            this.needsStructure = needsStructure;
            this.client = client;
        }

        Future<FetchOutcome> run() {
            pump();
            return done.future();
        }

        /** Starts preparing messages while the window has room. */
        private void fill() {
            while (next < targets.size()) {
                MessageRecord m = targets.get(next);
                long octets = needsBody || needsStructure ? m.size() : 0;
                if (!ahead.isEmpty() && (ahead.size() >= FETCH_AHEAD || octetsAhead + octets > FETCH_AHEAD_OCTETS)) {
                    return;
                }
                next++;
                octetsAhead += octets;
                ahead.add(new Pending(m, octets, prepare(m)));
            }
        }

        private Future<Prepared> prepare(MessageRecord m) {
            if (!needsBody) {
                return (needsStructure ? structure(m, null) : Future.<MessageStructure>succeededFuture(null))
                        .map(structure -> new Prepared(null, structure));
            }
            if (!needsStructure && items.stream().filter(ImapMessages::isSection).allMatch(ImapMessages::isWhole)) {
                // BODY[] and RFC822 (partial or not) are the blob's octets: no structure needed.
                MessageStructure.Located whole = new MessageStructure.Located(
                        new MessageStructure.Range(0, (int) m.size()), "7bit");
                return ranged(m, section -> Optional.of(whole)).map(contents -> new Prepared(contents, null));
            }
            return storedStructure(m).compose(stored -> {
                if (stored.isPresent() && stored.get().parts().isPresent()) {
                    // The stored offsets name the octets: read only those.
                    MessageStructure.Part root = stored.get().parts().orElseThrow();
                    return ranged(m, section -> MessageStructure.locate(root, section))
                            .map(contents -> new Prepared(contents, stored.get()));
                }
                return read(m).compose(body -> structure(m, body).compose(structure -> bodies.executeBlocking(
                        () -> fromBody(structure, body), false).map(contents -> new Prepared(contents, structure))));
            });
        }

        /**
         * Each section item's content from ranged reads of the blob, one item after the other; a
         * large one is left to be streamed when the response is written.
         */
        private Future<List<Content>> ranged(MessageRecord m,
                java.util.function.Function<SectionSpec, Optional<MessageStructure.Located>> locator) {
            Content[] out = new Content[items.size()];
            Future<Void> chain = Future.succeededFuture();
            for (int i = 0; i < items.size(); i++) {
                Item item = items.get(i);
                if (!isSection(item)) {
                    continue;
                }
                int at = i;
                Optional<MessageStructure.Located> located = locator.apply(item.section());
                if (located.isEmpty()) {
                    out[at] = new Octets(new byte[0]);
                    continue;
                }
                MessageStructure.Range range = toRead(item, located.get());
                if (streamable(item, range)) {
                    chain = chain.compose(v -> streamed(m, item, range, located.get().encoding())).map(content -> {
                        out[at] = content;
                        return null;
                    });
                    continue;
                }
                chain = chain.compose(v -> range.length() == 0 ? Future.succeededFuture(new byte[0]) : read(m, range))
                        .compose(read -> bodies.executeBlocking(() -> content(item, located.get(), read,
                                !range.equals(located.get().range())), false))
                        .map(content -> {
                            out[at] = new Octets(content);
                            return null;
                        });
            }
            return chain.map(v -> java.util.Arrays.asList(out));
        }

        /**
         * A large section to stream: for BODY its (partial) octets as stored; for BINARY the decoded
         * length is counted first, reading the part once without keeping it (RFC 3516 §4.2: the
         * literal8's length comes first).
         */
        private Future<Content> streamed(MessageRecord m, Item item, MessageStructure.Range range, String cte) {
            BlobId blob = m.blob().id();
            if (item.kind() == Kind.SECTION) {
                return Future.succeededFuture(new Streamed(blob, range, null, 0, range.length()));
            }
            String encoding = identity(cte) ? null : cte;
            if (encoding != null && !encoding.equals("base64") && !encoding.equals("quoted-printable")) {
                return Future.failedFuture(new ImapSession.No("[UNKNOWN-CTE] Unknown Content-Transfer-Encoding " + cte));
            }
            Future<Long> decodedLength = encoding == null ? Future.succeededFuture((long) range.length())
                    : Future.fromCompletionStage(storage.blobs().get(blob, range.offset(), range.length()), context)
                            .compose(in -> bodies.executeBlocking(() -> {
                                try (InputStream decoded = decoder(in, encoding)) {
                                    return decoded.transferTo(java.io.OutputStream.nullOutputStream());
                                }
                            }, false));
            return decodedLength.map(total -> {
                if (item.kind() == Kind.BINARY_SIZE || item.start() < 0) {
                    return new Streamed(blob, range, encoding, 0, total);
                }
                long skip = Math.min(item.start(), total);
                long length = item.length() < 0 ? total - skip : Math.min(item.length(), total - skip);
                return new Streamed(blob, range, encoding, skip, length);
            });
        }

        /** Each section item's content cut from the whole message; on a blob worker. */
        private List<Content> fromBody(MessageStructure structure, byte[] body) {
            MessageStructure.Part root = structure.parts().orElseThrow();
            Content[] out = new Content[items.size()];
            for (int i = 0; i < items.size(); i++) {
                Item item = items.get(i);
                if (!isSection(item)) {
                    continue;
                }
                Optional<MessageStructure.Located> located = MessageStructure.locate(root, item.section());
                if (located.isEmpty()) {
                    out[i] = new Octets(new byte[0]);
                    continue;
                }
                MessageStructure.Range range = toRead(item, located.get());
                int from = Math.min(range.offset(), body.length);
                byte[] octets = java.util.Arrays.copyOfRange(body, from, Math.min(body.length, from + range.length()));
                out[i] = new Octets(content(item, located.get(), octets, !range.equals(located.get().range())));
            }
            return java.util.Arrays.asList(out);
        }

        /**
         * Writes every response that is ready, in order; returns when waiting for the next message or
         * for the socket, and is called again then. A loop, not recursion: a FETCH of 100,000 flags
         * completes synchronously.
         */
        private void pump() {
            while (true) {
                fill();
                Pending head = ahead.peek();
                if (head == null) {
                    done.tryComplete(new FetchOutcome(seen, expunged));
                    return;
                }
                if (!head.prepared().isComplete()) {
                    head.prepared().onComplete(ar -> pump());
                    return;
                }
                ahead.poll();
                octetsAhead -= head.octets();
                if (head.prepared().failed()) {
                    // The body went with its last reference: another session expunged the message after
                    // this FETCH read the records. Skip it and say so at the end.
                    if (isNotFound(head.prepared().cause())) {
                        expunged = true;
                        continue;
                    }
                    done.tryFail(head.prepared().cause());
                    return;
                }
                int msn = s.msn(head.m().uid());
                if (msn == 0) {
                    continue;
                }
                Prepared p = head.prepared().result();
                List<Object> response;
                try {
                    response = render(msn, head.m(), items, p.contents(), p.structure(), seen, s.readOnly,
                            s.isRecent(head.m().uid()));
                } catch (RuntimeException e) {
                    done.tryFail(e);
                    return;
                }
                if (response.size() > 1) {
                    // Some section is streamed from the blob: continue once it is all written.
                    writeStreaming(response, client).onComplete(ar -> {
                        if (ar.failed()) {
                            if (isNotFound(ar.cause())) {
                                expunged = true;
                                pump();
                                return;
                            }
                            done.tryFail(ar.cause());
                        } else {
                            pump();
                        }
                    });
                    return;
                }
                client.write((byte[]) response.get(0));
                Future<Void> drained = client.drained();
                if (!drained.isComplete()) {
                    drained.onComplete(ar -> {
                        if (ar.failed()) {
                            done.tryFail(ar.cause());
                        } else {
                            pump();
                        }
                    });
                    return;
                }
                if (drained.failed()) {
                    done.tryFail(drained.cause());
                    return;
                }
            }
        }
    }

    /**
     * Writes a response that streams sections from their blobs. The blobs are opened first, so a body
     * gone meanwhile (NOT_FOUND) skips the message before any octet of it is written; a failure
     * after that leaves the client waiting for a literal's octets, so the connection is closed.
     */
    private Future<Void> writeStreaming(List<Object> pieces, ImapSession.Client client) {
        List<Future<InputStream>> opened = new ArrayList<>();
        for (Object piece : pieces) {
            if (piece instanceof Streamed st) {
                opened.add(Future.fromCompletionStage(storage.blobs().get(st.blob(), st.range().offset(),
                        st.range().length()), context));
            }
        }
        return Future.join(opened).transform(ar -> {
            if (ar.failed()) {
                opened.stream().filter(Future::succeeded).forEach(f -> closeQuietly(f.result()));
                Throwable cause = opened.stream().filter(Future::failed).findFirst().map(Future::cause)
                        .orElse(ar.cause());
                return Future.failedFuture(cause);
            }
            java.util.Iterator<Future<InputStream>> streams = opened.iterator();
            Future<Void> chain = Future.succeededFuture();
            List<InputStream> all = opened.stream().map(Future::result).toList();
            for (Object piece : pieces) {
                if (piece instanceof byte[] octets) {
                    chain = chain.compose(v -> {
                        client.write(octets);
                        return client.drained();
                    });
                } else if (piece instanceof Octets o) {
                    chain = chain.compose(v -> copy(new java.io.ByteArrayInputStream(o.octets()), o.length(), false,
                            client));
                } else {
                    Streamed st = (Streamed) piece;
                    InputStream raw = streams.next().result();
                    chain = chain.compose(v -> bodies.executeBlocking(() -> {
                        InputStream in = st.encoding() == null ? raw : decoder(raw, st.encoding());
                        in.skipNBytes(st.skip());
                        return in;
                    }, false)).compose(in -> copy(in, st.length(), st.literal(), client));
                }
            }
            return chain.andThen(done -> all.forEach(ImapMessages::closeQuietly)).recover(t -> {
                client.close();
                return Future.failedFuture(new IOException("streaming a body failed", t));
            });
        });
    }

    /**
     * Copies {@code remaining} octets to the client a chunk at a time, each read on a blob worker;
     * for a {@code literal}, NULs as 0x80.
     */
    private Future<Void> copy(InputStream in, long remaining, boolean literal, ImapSession.Client client) {
        if (remaining == 0) {
            return Future.succeededFuture();
        }
        return bodies.executeBlocking(() -> in.readNBytes((int) Math.min(STREAM_CHUNK, remaining)), false)
                .compose(chunk -> {
                    if (chunk.length == 0) {
                        return Future.failedFuture(new IOException("body ended " + remaining + " octets early"));
                    }
                    client.write(literal ? withoutNul(chunk) : chunk);
                    return client.drained().compose(v -> copy(in, remaining - chunk.length, literal, client));
                });
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // Nothing left to do with it.
        }
    }

    private static InputStream decoder(InputStream raw, String encoding) {
        return encoding.equals("base64") ? new Base64InputStream(raw, DecodeMonitor.SILENT)
                : new QuotedPrintableInputStream(raw, DecodeMonitor.SILENT);
    }

    private static boolean identity(String cte) {
        return cte.equals("7bit") || cte.equals("8bit") || cte.equals("binary");
    }

    /** BODY[] or RFC822 (with or without a partial): the whole message as stored. */
    private static boolean isWhole(Item item) {
        return item.kind() == Kind.SECTION && item.section().equals(SectionSpec.WHOLE);
    }

    /** Whether the item's content is big enough to stream (selected header fields never are). */
    private static boolean streamable(Item item, MessageStructure.Range range) {
        SectionSpec.Text text = item.section().text();
        return range.length() >= STREAM_THRESHOLD && text != SectionSpec.Text.HEADER_FIELDS
                && text != SectionSpec.Text.HEADER_FIELDS_NOT;
    }

    private static boolean isSection(Item item) {
        return item.kind() == Kind.SECTION || item.kind() == Kind.BINARY || item.kind() == Kind.BINARY_SIZE;
    }

    /**
     * The octets an item needs of its section: for BODY[...]&lt;partial&gt; of anything but selected
     * header fields only the partial's octets (RFC 9051 §6.4.5); else the whole section (BINARY
     * decodes it first, RFC 3516 §4.2).
     */
    static MessageStructure.Range toRead(Item item, MessageStructure.Located located) {
        MessageStructure.Range range = located.range();
        SectionSpec.Text text = item.section().text();
        if (item.kind() != Kind.SECTION || item.start() < 0 || text == SectionSpec.Text.HEADER_FIELDS
                || text == SectionSpec.Text.HEADER_FIELDS_NOT) {
            return range;
        }
        long from = Math.min(item.start(), range.length());
        long length = item.length() < 0 ? range.length() - from : Math.min(item.length(), range.length() - from);
        return new MessageStructure.Range((int) (range.offset() + from), (int) length);
    }

    /**
     * A section item's content from the octets {@link #toRead} named ({@code partialDone}: the
     * partial is already cut).
     */
    private static byte[] content(Item item, MessageStructure.Located located, byte[] octets, boolean partialDone) {
        if (item.kind() == Kind.SECTION) {
            byte[] content = octets;
            if (item.section().text() == SectionSpec.Text.HEADER_FIELDS) {
                content = MessageStructure.filterHeader(octets, item.section().fields(), false);
            } else if (item.section().text() == SectionSpec.Text.HEADER_FIELDS_NOT) {
                content = MessageStructure.filterHeader(octets, item.section().fields(), true);
            }
            return partialDone ? content : partial(content, item);
        }
        byte[] decoded = decode(octets, new MessageStructure.Range(0, octets.length), located.encoding());
        if (decoded == null) {
            throw new ImapSession.No("[UNKNOWN-CTE] Unknown Content-Transfer-Encoding " + located.encoding());
        }
        return item.kind() == Kind.BINARY ? partial(decoded, item) : decoded;
    }

    /**
     * The response: one array of octets, or (when a section is large) arrays of response text and
     * the large sections' {@link Content} in order, written a chunk at a time.
     */
    private List<Object> render(int msn, MessageRecord m, List<Item> items, List<Content> contents,
            MessageStructure structure, List<Long> seen, boolean readOnly, boolean recent) {
        List<Object> pieces = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, "* " + msn + " FETCH (");
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if (i > 0) {
                write(out, " ");
            }
            switch (item.kind()) {
                case UID: write(out, "UID " + m.uid()); break;
                case FLAGS: write(out, "FLAGS " + ImapSession.flags(m.flags(), recent)); break;
                case INTERNALDATE: write(out, "INTERNALDATE " + ImapSession.internalDate(m.internalDate())); break;
                case SIZE: write(out, "RFC822.SIZE " + m.size()); break;
                case MODSEQ: write(out, "MODSEQ (" + m.modSeq() + ")"); break;
                case ENVELOPE: write(out, "ENVELOPE " + structure.envelope()); break;
                case BODYSTRUCTURE: write(out, "BODYSTRUCTURE " + structure.bodyStructure()); break;
                case BODY: write(out, "BODY " + structure.body()); break;
                case SECTION:
                case BINARY:
                    Content content = contents.get(i);
                    write(out, item.label() + (item.kind() == Kind.BINARY ? " ~{" : " {") + content.length() + "}\r\n");
                    boolean literal = item.kind() == Kind.SECTION;
                    if (content instanceof Octets o && o.octets().length < STREAM_CHUNK) {
                        out.writeBytes(literal ? withoutNul(o.octets()) : o.octets());
                    } else {
                        // Large: written apart, a chunk at a time, rather than copied into the response.
                        pieces.add(out.toByteArray());
                        pieces.add(!literal ? content : content instanceof Streamed st ? st.asLiteral()
                                : new Octets(withoutNul(((Octets) content).octets())));
                        out = new ByteArrayOutputStream();
                    }
                    break;
                case BINARY_SIZE:
                    write(out, "BINARY.SIZE[" + item.section().render() + "] " + contents.get(i).length());
                    break;
                default:
                    throw new IllegalStateException("unhandled item " + item.kind());
            }
            if ((item.kind() == Kind.SECTION || item.kind() == Kind.BINARY) && !item.peek() && !readOnly
                    && !m.flags().contains(io.yubin.model.SystemFlag.SEEN) && !seen.contains(m.uid())) {
                seen.add(m.uid());
            }
        }
        write(out, ")\r\n");
        pieces.add(out.toByteArray());
        return pieces;
    }

    /** RFC 3516: the decoded content, or null for an unknown transfer encoding. */
    static byte[] decode(byte[] body, MessageStructure.Range range, String cte) {
        InputStream raw = new ByteArrayInputStream(body, range.offset(), range.length());
        try {
            switch (cte) {
                case "7bit":
                case "8bit":
                case "binary":
                    return raw.readAllBytes();
                case "base64":
                    return new Base64InputStream(raw, DecodeMonitor.SILENT).readAllBytes();
                case "quoted-printable":
                    return new QuotedPrintableInputStream(raw, DecodeMonitor.SILENT).readAllBytes();
                default:
                    return null;
            }
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** RFC 9051 §6.4.5 partial: octets from start, at most length; empty past the end. */
    private static byte[] partial(byte[] content, Item item) {
        if (item.start() < 0) {
            return content;
        }
        int from = (int) Math.min(item.start(), content.length);
        int to = item.length() < 0 ? content.length : (int) Math.min(content.length, from + item.length());
        return java.util.Arrays.copyOfRange(content, from, to);
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isNotFound(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return t instanceof io.yubin.store.StoreException e && e.kind() == io.yubin.store.StoreException.Kind.NOT_FOUND;
    }

    /** The whole message, read on a blob worker. */
    Future<byte[]> read(MessageRecord m) {
        return Future.fromCompletionStage(storage.blobs().get(m.blob().id()), context)
                .compose(in -> bodies.executeBlocking(() -> {
                    try (InputStream stream = in) {
                        return stream.readAllBytes();
                    }
                }, false));
    }

    /** Octets of the message's blob, read on a blob worker. */
    Future<byte[]> read(MessageRecord m, MessageStructure.Range range) {
        return Future.fromCompletionStage(storage.blobs().get(m.blob().id(), range.offset(), range.length()), context)
                .compose(in -> bodies.executeBlocking(() -> {
                    try (InputStream stream = in) {
                        return stream.readAllBytes();
                    }
                }, false));
    }

    /** The structure stored for the message's blob, in any format this module reads; empty when none. */
    Future<Optional<MessageStructure>> storedStructure(MessageRecord m) {
        return Future.fromCompletionStage(storage.mailboxes().structure(m.blob().id()), context).map(stored -> {
            if (stored.isPresent()) {
                try {
                    return Optional.of(MessageStructure.fromBytes(stored.get()));
                } catch (IllegalArgumentException e) {
                    // An unknown format version: parse again.
                }
            }
            return Optional.empty();
        });
    }

    /**
     * The stored structure of the message's blob, computed and stored once when missing; with the
     * body at hand also when stored by an older format.
     */
    Future<MessageStructure> structure(MessageRecord m, byte[] body) {
        return storedStructure(m).compose(stored -> {
            if (stored.isPresent() && (body == null || stored.get().current())) {
                return Future.succeededFuture(stored.get());
            }
            Future<byte[]> octets = body != null ? Future.succeededFuture(body) : read(m);
            return octets.compose(b -> bodies.executeBlocking(() -> MessageStructure.of(b), false))
                    .compose(structure -> Future.fromCompletionStage(
                            storage.mailboxes().putStructure(m.blob().id(), structure.toBytes()), context)
                            .map(v -> structure));
        });
    }
}
