package io.yubin.imap.search;

import io.yubin.model.Flags;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory {@link MessageView} for unit tests; counts how often the body is read. */
final class FakeMessage implements MessageView {

    private final long msn;
    private long uid;
    private Flags flags = Flags.NONE;
    private boolean recent;
    private long modSeq = 1;
    private Instant internalDate = Instant.parse("2024-01-01T12:00:00Z");
    private long size = 100;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private ZonedDateTime sentDate;
    private String body = "";
    final AtomicInteger bodyReads = new AtomicInteger();
    final AtomicInteger headerReads = new AtomicInteger();

    FakeMessage(long msn) {
        this.msn = msn;
        this.uid = msn;
    }

    static FakeMessage msg(long msn) {
        return new FakeMessage(msn);
    }

    FakeMessage uid(long v) {
        uid = v;
        return this;
    }

    FakeMessage flags(String... f) {
        flags = Flags.of(f);
        return this;
    }

    FakeMessage recent(boolean v) {
        recent = v;
        return this;
    }

    FakeMessage modSeq(long v) {
        modSeq = v;
        return this;
    }

    FakeMessage internalDate(String iso) {
        internalDate = Instant.parse(iso);
        return this;
    }

    FakeMessage size(long v) {
        size = v;
        return this;
    }

    FakeMessage header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        return this;
    }

    /** Sets the parsed Date as well as the Date header text. */
    FakeMessage sent(String isoOffsetDateTime) {
        sentDate = ZonedDateTime.parse(isoOffsetDateTime);
        return header("Date", isoOffsetDateTime);
    }

    FakeMessage subject(String s) {
        return header("Subject", s);
    }

    FakeMessage body(String text) {
        body = text;
        return this;
    }

    @Override
    public long msn() {
        return msn;
    }

    @Override
    public long uid() {
        return uid;
    }

    @Override
    public Flags flags() {
        return flags;
    }

    @Override
    public boolean recent() {
        return recent;
    }

    @Override
    public long modSeq() {
        return modSeq;
    }

    @Override
    public Instant internalDate() {
        return internalDate;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public List<String> header(String name) {
        headerReads.incrementAndGet();
        return List.copyOf(headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
    }

    @Override
    public Optional<ZonedDateTime> sentDate() {
        return Optional.ofNullable(sentDate);
    }

    @Override
    public String bodyText() {
        bodyReads.incrementAndGet();
        return body;
    }

    @Override
    public String headerText() {
        headerReads.incrementAndGet();
        StringBuilder sb = new StringBuilder();
        headers.forEach((k, vs) -> vs.forEach(v -> sb.append(k).append(": ").append(v).append("\r\n")));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "msg " + msn;
    }
}
