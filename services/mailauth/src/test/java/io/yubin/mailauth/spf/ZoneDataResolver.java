package io.yubin.mailauth.spf;

import com.fasterxml.jackson.databind.JsonNode;
import io.yubin.mailauth.dns.DnsNames;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The {@code zonedata} of an RFC 7208 test-suite scenario as a {@link DnsResolver}, answering as
 * the suite's own driver (pyspf's testspf.py) does: SPF-type records stand in for TXT records
 * when a name has no TXT entry at all ("TXT: NONE" is such an entry), {@code TIMEOUT} is a
 * temporary error for every type not answered before it, CNAMEs are followed, a name not in the
 * data does not exist. The suite needs this in memory: a real server cannot time out on
 * purpose for one type of one name, or serve the broken records some cases are about.
 */
final class ZoneDataResolver implements DnsResolver {

    private record Entry(String type, JsonNode value) {
    }

    private final Map<String, List<Entry>> zone = new HashMap<>();

    ZoneDataResolver(JsonNode zonedata) {
        for (Iterator<Map.Entry<String, JsonNode>> names = zonedata.fields(); names.hasNext(); ) {
            Map.Entry<String, JsonNode> name = names.next();
            List<Entry> entries = new ArrayList<>();
            List<Entry> generatedTxt = new ArrayList<>();
            boolean hasTxt = false;
            for (JsonNode item : name.getValue()) {
                if (item.isTextual()) {
                    entries.add(new Entry(item.asText(), null));
                    continue;
                }
                Map.Entry<String, JsonNode> record = item.fields().next();
                String type = record.getKey();
                JsonNode value = record.getValue();
                if (type.equals("TXT")) {
                    hasTxt = true;
                } else if (type.equals("SPF")) {
                    generatedTxt.add(new Entry("TXT", value));
                }
                if (!(value.isTextual() && value.asText().equals("NONE"))) {
                    entries.add(new Entry(type, value));
                }
            }
            if (!hasTxt) {
                entries.addAll(generatedTxt);
            }
            zone.put(DnsNames.normalize(name.getKey()), entries);
        }
    }

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        return lookup(name, "TXT", value -> {
            StringBuilder joined = new StringBuilder();
            if (value.isArray()) {
                value.forEach(s -> joined.append(s.asText()));
            } else {
                joined.append(value.asText());
            }
            // the driver hands pyspf the UTF-8 octets of the YAML text; one char per octet here
            return new String(joined.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        });
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> a(String name) {
        return lookup(name, "A", value -> address(value.asText()));
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
        return lookup(name, "AAAA", value -> address(value.asText()));
    }

    @Override
    public CompletionStage<DnsResult<MxRecord>> mx(String name) {
        return lookup(name, "MX", value -> {
            String host = value.get(1).asText();
            return new MxRecord(value.get(0).asInt(), host.isEmpty() ? "." : withoutFinalDot(host));
        });
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return lookup(DnsNames.reverseName(address), "PTR", value -> withoutFinalDot(value.asText()));
    }

    private <T> CompletionStage<DnsResult<T>> lookup(String name, String type, Function<JsonNode, T> convert) {
        if (!DnsNames.isValid(name)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a valid DNS name: " + name));
        }
        String current = DnsNames.normalize(name);
        for (int cnames = 0; cnames <= 8; cnames++) {
            List<Entry> entries = zone.get(current);
            if (entries == null) {
                return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
            }
            List<T> records = new ArrayList<>();
            String cname = null;
            for (Entry entry : entries) {
                if (entry.type.equals("TIMEOUT")) {
                    if (records.isEmpty()) {
                        return CompletableFuture.completedFuture(new DnsResult.TempError<>("timeout (zonedata)"));
                    }
                    break;
                }
                if (entry.type.equals(type)) {
                    records.add(convert.apply(entry.value));
                } else if (entry.type.equals("CNAME")) {
                    cname = entry.value.asText();
                }
            }
            if (!records.isEmpty()) {
                return CompletableFuture.completedFuture(new DnsResult.Answer<>(records));
            }
            if (cname == null) {
                return CompletableFuture.completedFuture(new DnsResult.NoData<>());
            }
            current = DnsNames.normalize(cname);
        }
        return CompletableFuture.completedFuture(new DnsResult.TempError<>("CNAME loop (zonedata)"));
    }

    private static String withoutFinalDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("zonedata address " + literal, e);
        }
    }
}
