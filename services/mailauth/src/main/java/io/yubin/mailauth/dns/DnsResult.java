package io.yubin.mailauth.dns;

import java.util.List;
import java.util.Objects;

/**
 * What one DNS lookup found. The four cases stay apart because the standards treat them apart:
 * SPF counts {@link NxDomain} and {@link NoData} as "void lookups" (RFC 7208 §4.6.4) and turns a
 * {@link TempError} into temperror (§5), DKIM tells "no key" from "could not ask" (RFC 6376 §6.1.2).
 *
 * @param <T> the record type: {@code String} for TXT and PTR, {@code InetAddress} for A and AAAA,
 *     {@link MxRecord} for MX
 */
public sealed interface DnsResult<T> {

    /** The records of the asked type, after following CNAMEs; never empty. */
    record Answer<T>(List<T> records) implements DnsResult<T> {
        public Answer {
            records = List.copyOf(records);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("an answer has at least one record; use NoData");
            }
        }
    }

    /** RCODE 3, Name Error: the name does not exist. */
    record NxDomain<T>() implements DnsResult<T> {
    }

    /** RCODE 0 with no record of the asked type: the name exists, the type does not (RFC 2308 §2.2). */
    record NoData<T>() implements DnsResult<T> {
    }

    /**
     * No usable answer, which asking again later may change: a timeout, SERVFAIL, REFUSED, a
     * malformed response, a CNAME loop.
     */
    record TempError<T>(String reason) implements DnsResult<T> {
        public TempError {
            Objects.requireNonNull(reason);
        }
    }

    /** The records of an {@link Answer}; empty for every other case. */
    default List<T> records() {
        return this instanceof Answer<T> answer ? answer.records : List.of();
    }

    /** NXDOMAIN or no data: an answer that says there is nothing (RFC 7208 §4.6.4 "void lookup"). */
    default boolean isVoid() {
        return this instanceof NxDomain || this instanceof NoData;
    }
}
