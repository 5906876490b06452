package io.yubin.server.config;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code overrides} keys of the configuration: {@code <who> <key>=<value> ...} entries separated
 * by semicolons, {@code who} a domain or (where allowed) an address, e.g.
 * {@code "example.com junk=0.8; alice@example.com junk=0.95"}.
 */
final class OverrideEntries {

    /**
     * @param name the lower-case canonical address or the A-label domain
     * @param given {@code who} as written, for messages
     * @param values the key=value pairs, in order
     */
    record Entry(String name, String given, Map<String, String> values) {
    }

    private OverrideEntries() {
    }

    /**
     * @param addresses whether an entry may name an address as well as a domain
     * @throws IllegalArgumentException naming the entry that is wrong
     */
    static List<Entry> parse(String text, boolean addresses) {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (String entry : text.split(";")) {
            String[] words = entry.strip().split("\\s+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            String who = words[0];
            String name;
            try {
                name = addresses && who.contains("@") ? MailAddress.parse(who).canonical().toLowerCase(Locale.ROOT)
                        : Domain.parse(who).ascii();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("\"" + who + "\" is " + (addresses ? "neither a domain nor an address"
                        : "not a domain"));
            }
            if (words.length == 1) {
                throw new IllegalArgumentException("\"" + who + "\" has no key=value after it");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 1; i < words.length; i++) {
                String[] pair = words[i].split("=", 2);
                if (pair.length != 2) {
                    throw new IllegalArgumentException("\"" + words[i] + "\" for " + who + " is not key=value");
                }
                values.put(pair[0], pair[1]);
            }
            if (seen.put(name, who) != null) {
                throw new IllegalArgumentException(who + " is given twice");
            }
            entries.add(new Entry(name, who, values));
        }
        return entries;
    }
}
