package io.yubin.operator.dns;

import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;

/**
 * One resource record in zone-file form.
 *
 * @param name absolute, lower case, with the final dot: {@code _dmarc.example.com.}
 * @param type MX, TXT, SRV, A, AAAA
 * @param value the RDATA as a zone file writes it; a TXT is one or more quoted strings
 */
public record DnsRecord(String name, String type, long ttl, String value) {

    /** Name, then type, then value: the order of status.records and of the docs. */
    public static final Comparator<DnsRecord> ORDER = Comparator.comparing(DnsRecord::name)
            .thenComparing(DnsRecord::type).thenComparing(DnsRecord::value);

    public DnsRecord {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        if (!name.endsWith(".")) {
            throw new IllegalArgumentException("not absolute: " + name);
        }
        name = name.toLowerCase(Locale.ROOT);
    }

    public static DnsRecord txt(String name, long ttl, String text) {
        return new DnsRecord(name, "TXT", ttl, TxtStrings.presentation(TxtStrings.split(text)));
    }

    @Override
    public String toString() {
        return name + " " + ttl + " IN " + type + " " + value;
    }
}
