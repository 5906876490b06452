package io.yubin.imap;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.yubin.imap.mime.EnvelopeAddress;
import io.yubin.imap.mime.MessageStructure;
import io.yubin.imap.mime.MimePart;
import io.yubin.imap.search.MessageView;
import io.yubin.imap.search.SearchEvaluator;
import io.yubin.imap.search.SearchKey;
import io.yubin.imap.search.SortKey;
import io.yubin.imap.search.Sorter;
import io.yubin.imap.search.Threader;
import io.yubin.model.Flags;
import io.yubin.store.BlobId;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.james.mime4j.dom.datetime.DateTime;
import org.apache.james.mime4j.field.datetime.parser.DateTimeParser;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * SEARCH, SORT and THREAD over the selected messages (RFC 9051 §6.4.4, RFC 5256), in chunks of
 * {@link #CHUNK} messages, each a series of short tasks that never wait on the store:
 *
 * <ol>
 *   <li>on a search thread, every message is evaluated with what its record holds (flags, dates,
 *       size, UIDs); a key that needs more defers the message;
 *   <li>the deferred messages' stored structures (decoded header fields) are read in one call, with
 *       no thread waiting for them, and the messages evaluated again on a search thread;
 *   <li>those that still need their body (a body key, or no current structure) have it read one
 *       after the other on the body threads, each evaluated on a search thread as its body arrives
 *       and its body dropped right after; structures computed on the way are stored.
 * </ol>
 *
 * A search thread is thus held for the CPU work of a few hundred messages at a time, never for a
 * store round trip or a whole mailbox: other sessions' searches and every FETCH (on the body
 * threads) go on between the steps. Sorting and threading what matched runs on a search thread too.
 */
final class MessageSearch {

    /** Messages evaluated together; their stored structures are read with one {@code structures} call. */
    static final int CHUNK = 500;

    /** How much of a message an evaluation may use; asking for more throws {@link NeedsMore}. */
    private enum Access { RECORD, STRUCTURE, BODY }

    private final Storage storage;
    private final WorkerExecutor bodies;
    private final WorkerExecutor searches;
    private final Context context;
    private final HeaderFieldsCache headers;

    /**
     * @param bodies the threads that read message bodies (shared with FETCH)
     * @param searches the threads that evaluate, sort and thread
     */
    MessageSearch(Storage storage, WorkerExecutor bodies, WorkerExecutor searches, Context context,
            HeaderFieldsCache headers) {
        this.storage = storage;
        this.bodies = bodies;
        this.searches = searches;
        this.context = context;
        this.headers = headers;
    }

    /** The selected messages that match {@code program}, in sequence order. */
    Future<List<MessageRecord>> search(SelectedMailbox s, SearchKey program, SearchEvaluator evaluator) {
        return matching(s, program, evaluator, false).map(views -> views.stream().map(v -> v.m).toList());
    }

    /** SEARCH, then RFC 5256 SORT of what matched. */
    Future<List<MessageRecord>> sort(SelectedMailbox s, SearchKey program, SearchEvaluator evaluator,
            List<SortKey> keys) {
        return matching(s, program, evaluator, true).compose(views -> searches.executeBlocking(
                () -> Sorter.sort(keys, List.copyOf(views)).stream().map(v -> ((View) v).m).toList(), false));
    }

    /** SEARCH, then RFC 5256 THREAD of what matched, rendered. */
    Future<String> threads(SelectedMailbox s, SearchKey program, SearchEvaluator evaluator,
            Threader.Algorithm algorithm, boolean uid) {
        return matching(s, program, evaluator, true).compose(views -> searches.executeBlocking(
                () -> Threader.render(Threader.thread(algorithm, List.copyOf(views), v -> uid ? v.uid() : v.msn())),
                false));
    }

    /**
     * The selected messages (read from the store) that match, in sequence order. With
     * {@code readHeaders} (SORT, THREAD), each one's header fields are read too, so that comparing
     * them later needs no store.
     */
    private Future<List<View>> matching(SelectedMailbox s, SearchKey program, SearchEvaluator evaluator,
            boolean readHeaders) {
        return Future.fromCompletionStage(storage.mailboxes().messages(s.mailbox.id(), UidSet.ALL), context)
                .compose(all -> {
                    List<View> inView = new ArrayList<>();
                    for (MessageRecord m : all) {
                        int msn = s.msn(m.uid());
                        if (msn > 0) {
                            inView.add(new View(s, m, msn));
                        }
                    }
                    List<View> found = new ArrayList<>();
                    Function<View, Boolean> matches = v -> evaluator.matches(program, v);
                    Future<Void> done = inChunks(inView, chunk -> evaluate(chunk, matches, readHeaders).map(v -> {
                        for (View view : chunk) {
                            if (view.matched) {
                                found.add(view);
                            }
                        }
                        return null;
                    }));
                    if (readHeaders) {
                        done = done.compose(v -> inChunks(found, chunk -> evaluate(chunk, view -> {
                            view.settle();
                            return true;
                        }, true)));
                    }
                    return done.map(v -> found);
                });
    }

    /** {@code step} over each chunk of {@code views}, one chunk after the other. */
    private static Future<Void> inChunks(List<View> views, Function<List<View>, Future<Void>> step) {
        Future<Void> chain = Future.succeededFuture();
        for (int from = 0; from < views.size(); from += CHUNK) {
            List<View> chunk = views.subList(from, Math.min(views.size(), from + CHUNK));
            chain = chain.compose(v -> step.apply(chunk));
        }
        return chain;
    }

    /**
     * Applies {@code test} to every view of a chunk, each with the least it needs (see the class
     * comment), setting {@link View#matched}; stores the structures computed on the way. With
     * {@code settle}, a view whose body was read keeps what SORT and THREAD compare when it goes.
     */
    private Future<Void> evaluate(List<View> chunk, Function<View, Boolean> test, boolean settle) {
        return searches.executeBlocking(() -> attempt(chunk, Access.RECORD, test), false)
                .compose(deferred -> deferred.isEmpty() ? Future.succeededFuture(deferred)
                        : preload(deferred).compose(v -> searches.executeBlocking(
                                () -> attempt(deferred, Access.STRUCTURE, test), false)))
                .compose(needBodies -> {
                    Future<Void> chain = Future.succeededFuture();
                    for (View view : needBodies) {
                        chain = chain.compose(v -> readBody(view)).compose(v -> searches.executeBlocking(() -> {
                            attempt(List.of(view), Access.BODY, test);
                            if (settle) {
                                view.settle();
                            }
                            view.dropBody();
                            return null;
                        }, false));
                    }
                    return chain;
                })
                .compose(v -> storeComputedStructures(chunk));
    }

    /** Evaluates with what {@code access} allows; returns the views that need more. On a search thread. */
    private static List<View> attempt(List<View> views, Access access, Function<View, Boolean> test) {
        List<View> needMore = new ArrayList<>();
        for (View v : views) {
            v.access = access;
            try {
                v.matched = test.apply(v);
            } catch (NeedsMore e) {
                needMore.add(v);
            }
        }
        return needMore;
    }

    /** The header cache, else the stored structures of the views, in one call. */
    private Future<Void> preload(List<View> views) {
        for (View v : views) {
            if (v.fields == null) {
                v.cached(headers.get(v.m.blob().id()));
            }
        }
        List<BlobId> ids = views.stream().filter(v -> !v.preloaded && v.fields == null).map(v -> v.m.blob().id())
                .distinct().toList();
        if (ids.isEmpty()) {
            return Future.succeededFuture();
        }
        return Future.fromCompletionStage(storage.mailboxes().structures(ids), context).transform(read -> {
            // Not readable: each is computed from its body.
            Map<BlobId, byte[]> stored = read.succeeded() ? read.result() : Map.of();
            for (View v : views) {
                if (!v.preloaded && v.fields == null) {
                    v.preloaded = true;
                    v.preloadedStructure = stored.get(v.m.blob().id());
                }
            }
            return Future.succeededFuture();
        });
    }

    /** The whole body, on a body thread; empty when it is gone (expunged meanwhile) or unreadable. */
    private Future<Void> readBody(View v) {
        return Future.fromCompletionStage(storage.blobs().get(v.m.blob().id()), context)
                .compose(in -> bodies.executeBlocking(() -> {
                    try (InputStream body = in) {
                        return body.readAllBytes();
                    }
                }, false))
                .otherwise(new byte[0])
                .map(octets -> {
                    v.body = octets;
                    return null;
                });
    }

    /** Structures computed from bodies, stored for the next search (a failure only costs that one a body read). */
    private Future<Void> storeComputedStructures(List<View> chunk) {
        List<Future<Void>> writes = new ArrayList<>();
        for (View v : chunk) {
            if (v.computed != null) {
                writes.add(Future.fromCompletionStage(storage.mailboxes().putStructure(v.m.blob().id(), v.computed),
                        context));
                v.computed = null;
            }
        }
        return writes.isEmpty() ? Future.succeededFuture() : Future.join(writes).otherwiseEmpty().mapEmpty();
    }

    /** Thrown when an evaluation needs more of a message than it may use: evaluated again with more. */
    private static final class NeedsMore extends RuntimeException {
        static final NeedsMore INSTANCE = new NeedsMore();

        private NeedsMore() {
            super("needs more of the message", null, false, false);
        }
    }

    /**
     * A message for the evaluator. Header keys are answered from the header cache or the stored
     * structure (computed from the body and stored when missing or older); the body is used only
     * when a key asks for it, and dropped once the message is evaluated.
     */
    private final class View implements MessageView {
        private final SelectedMailbox s;
        private final MessageRecord m;
        private final long msn;
        private Access access = Access.RECORD;
        private boolean matched;
        private byte[] body;
        private MimePart root;
        private List<MimePart.Field> fields;
        /** From, To and Cc's first mailboxes as the stored structure reads them; null when not known. */
        private List<EnvelopeAddress.Mailbox> firstMailboxes;
        /** Whether {@link #preloadedStructure} holds what the store has (null: nothing). */
        private boolean preloaded;
        private byte[] preloadedStructure;
        /** A structure computed from the body, to be stored. */
        private byte[] computed;

        View(SelectedMailbox s, MessageRecord m, long msn) {
            this.s = s;
            this.m = m;
            this.msn = msn;
        }

        private MimePart root() {
            if (root == null) {
                if (access != Access.BODY) {
                    throw NeedsMore.INSTANCE;
                }
                if (body == null) {
                    body = new byte[0];
                }
                root = MimePart.parse(body);
            }
            return root;
        }

        /** The decoded top-level fields: from the cache or the stored structure, else from the body. */
        private List<MimePart.Field> fields() {
            if (fields == null) {
                cached(headers.get(m.blob().id()));
            }
            if (fields == null) {
                if (access == Access.RECORD) {
                    throw NeedsMore.INSTANCE;
                }
                Optional<MessageStructure> stored = structure();
                if (stored.isPresent() && stored.get().headers().isPresent()) {
                    // Only what was read whole is shared: an unreadable body now may be readable later.
                    HeaderFieldsCache.Headers read = new HeaderFieldsCache.Headers(stored.get().headers().get(),
                            stored.get().firstMailboxes());
                    headers.put(m.blob().id(), read);
                    cached(read);
                } else {
                    fields = MessageStructure.decodedFields(root());
                    firstMailboxes = stored.map(MessageStructure::firstMailboxes).orElse(null);
                }
            }
            return fields;
        }

        private void cached(HeaderFieldsCache.Headers h) {
            if (h != null) {
                fields = h.fields();
                firstMailboxes = h.firstMailboxes();
            }
        }

        /**
         * The stored structure; when absent or in an older format, computed from the body (and kept
         * in {@link #computed} to be stored).
         */
        private Optional<MessageStructure> structure() {
            if (preloadedStructure != null) {
                try {
                    MessageStructure structure = MessageStructure.fromBytes(preloadedStructure);
                    if (structure.current()) {
                        return Optional.of(structure);
                    }
                } catch (IllegalArgumentException e) {
                    // Unknown format: computed again below.
                }
            }
            MimePart parsed = root();
            if (body.length == 0) {
                // Not readable (or empty): nothing worth keeping.
                return Optional.empty();
            }
            MessageStructure structure = MessageStructure.of(parsed);
            computed = structure.toBytes();
            preloadedStructure = computed;
            return Optional.of(structure);
        }

        /** Reads what SORT and THREAD compare (header fields, first mailboxes), so the body can go. */
        void settle() {
            fields();
            if (firstMailboxes == null) {
                firstMailboxes = MessageStructure.firstMailboxes(root());
            }
        }

        /** Frees the body; what needs it afterwards fails loudly instead of reading an empty one. */
        void dropBody() {
            body = null;
            root = null;
            access = Access.STRUCTURE;
        }

        /** As the field was written (encoded display names stay one name), from the stored structure. */
        @Override
        public Optional<EnvelopeAddress.Mailbox> firstMailbox(String field) {
            fields();
            return firstMailboxes != null ? MessageStructure.firstMailbox(firstMailboxes, field)
                    : MessageStructure.firstMailbox(root(), field);
        }

        @Override
        public long msn() {
            return msn;
        }

        @Override
        public long uid() {
            return m.uid();
        }

        @Override
        public Flags flags() {
            return m.flags();
        }

        @Override
        public boolean recent() {
            return s.isRecent(m.uid());
        }

        @Override
        public long modSeq() {
            return m.modSeq();
        }

        @Override
        public Instant internalDate() {
            return m.internalDate();
        }

        @Override
        public long size() {
            return m.size();
        }

        @Override
        public List<String> header(String name) {
            List<String> out = new ArrayList<>();
            for (MimePart.Field f : fields()) {
                if (f.name().equalsIgnoreCase(name)) {
                    out.add(f.value());
                }
            }
            return out;
        }

        @Override
        public Optional<ZonedDateTime> sentDate() {
            List<String> dates = header("Date");
            if (dates.isEmpty()) {
                return Optional.empty();
            }
            try {
                DateTime dt = new DateTimeParser(new StringReader(dates.get(0))).parseAll();
                ZoneOffset zone = ZoneOffset.ofHoursMinutes(dt.getTimeZone() / 100, dt.getTimeZone() % 100);
                return Optional.of(ZonedDateTime.of(dt.getYear(), dt.getMonth(), dt.getDay(), dt.getHour(),
                        dt.getMinute(), dt.getSecond(), 0, zone));
            } catch (Exception | Error e) {
                return Optional.empty();
            }
        }

        @Override
        public String bodyText() {
            MimePart r = root();
            StringBuilder text = new StringBuilder();
            collectText(r, text, 0);
            return text.toString();
        }

        private void collectText(MimePart p, StringBuilder text, int depth) {
            if (depth > 20 || text.length() > 1_000_000) {
                return;
            }
            if (p.isMultipart()) {
                for (MimePart c : p.children()) {
                    collectText(c, text, depth + 1);
                }
                return;
            }
            String contentType = null;
            for (MimePart.Field f : p.fields()) {
                if (f.name().equalsIgnoreCase("Content-Type")) {
                    contentType = f.value();
                }
            }
            String charset = "us-ascii";
            if (contentType != null) {
                RawBody rb = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Type", contentType));
                String v = rb.getValue() == null ? "" : rb.getValue().toLowerCase(Locale.ROOT);
                if (v.startsWith("message/")) {
                    byte[] inner = ImapMessages.decode(body,
                            new MessageStructure.Range(p.bodyStart(), p.end() - p.bodyStart()), p.encoding());
                    if (inner != null) {
                        collectTextOf(inner, text, depth + 1);
                    }
                    return;
                }
                if (!v.isEmpty() && !v.startsWith("text/")) {
                    return;
                }
                for (NameValuePair nv : rb.getParams()) {
                    if (nv.getName().equalsIgnoreCase("charset")) {
                        charset = nv.getValue();
                    }
                }
            }
            byte[] decoded = ImapMessages.decode(body,
                    new MessageStructure.Range(p.bodyStart(), p.end() - p.bodyStart()), p.encoding());
            if (decoded == null) {
                return;
            }
            Charset cs;
            try {
                cs = Charset.forName(charset);
            } catch (RuntimeException e) {
                cs = StandardCharsets.UTF_8;
            }
            text.append(new String(decoded, cs)).append('\n');
        }

        private void collectTextOf(byte[] message, StringBuilder text, int depth) {
            View inner = new View(s, m, msn);
            inner.access = Access.BODY;
            inner.body = message;
            inner.root = MimePart.parse(message);
            inner.collectText(inner.root, text, depth);
        }

        @Override
        public String headerText() {
            StringBuilder out = new StringBuilder();
            for (MimePart.Field f : fields()) {
                out.append(f.name()).append(": ").append(f.value()).append('\n');
            }
            return out.toString();
        }
    }
}
