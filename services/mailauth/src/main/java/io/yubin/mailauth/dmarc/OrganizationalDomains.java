package io.yubin.mailauth.dmarc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The Organizational Domain of RFC 7489 §3.2 by the Public Suffix List (publicsuffix.org; Debian's
 * {@code publicsuffix} package installs it as /usr/share/publicsuffix/public_suffix_list.dat): the
 * public suffix of the name (the longest matching rule, wildcards and exceptions as the list's
 * algorithm defines them, "*" when nothing matches) plus one label. A name that is itself a public
 * suffix is its own Organizational Domain. Both sections of the list (ICANN and private) are used,
 * as the PSL's own algorithm does. Rules are kept in A-label form, as DNS names arrive.
 */
public final class OrganizationalDomains {

    private final Set<String> rules = new HashSet<>();
    private final Set<String> wildcards = new HashSet<>();
    private final Set<String> exceptions = new HashSet<>();

    private OrganizationalDomains() {
    }

    /** Reads the list from a file in the PSL's format. */
    public static OrganizationalDomains load(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader);
        }
    }

    /** Reads the list in the PSL's format: one rule per line, "//" comments, blank lines ignored. */
    public static OrganizationalDomains read(Reader reader) throws IOException {
        OrganizationalDomains list = new OrganizationalDomains();
        BufferedReader lines = new BufferedReader(reader);
        for (String line; (line = lines.readLine()) != null; ) {
            // the PSL: each line is only read up to the first whitespace
            String rule = line.strip().split("\\s", 2)[0];
            if (rule.isEmpty() || rule.startsWith("//")) {
                continue;
            }
            boolean exception = rule.startsWith("!");
            boolean wildcard = rule.startsWith("*.");
            String name = exception ? rule.substring(1) : wildcard ? rule.substring(2) : rule;
            String ascii;
            try {
                ascii = normalize(IDN.toASCII(name, IDN.ALLOW_UNASSIGNED));
            } catch (IllegalArgumentException e) {
                continue;
            }
            (exception ? list.exceptions : wildcard ? list.wildcards : list.rules).add(ascii);
        }
        return list;
    }

    /** Lower case, without a final dot. */
    static String normalize(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** The Organizational Domain of {@code domain} (A-labels), in lower case. */
    public String of(String domain) {
        String name = normalize(domain);
        String[] labels = name.split("\\.", -1);
        int suffixLabels = publicSuffixLabels(labels);
        if (suffixLabels >= labels.length) {
            return name;
        }
        return join(labels, labels.length - suffixLabels - 1);
    }

    /** How many rightmost labels the public suffix of the name has. */
    private int publicSuffixLabels(String[] labels) {
        int best = 1;
        for (int start = labels.length - 1; start >= 0; start--) {
            String candidate = join(labels, start);
            int n = labels.length - start;
            if (exceptions.contains(candidate)) {
                // an exception rule wins: its public suffix is the rule minus its leftmost label
                return n - 1;
            }
            if (rules.contains(candidate)) {
                best = Math.max(best, n);
            }
            if (start > 0 && wildcards.contains(candidate)) {
                best = Math.max(best, n + 1);
            }
        }
        return best;
    }

    private static String join(String[] labels, int from) {
        return String.join(".", java.util.Arrays.asList(labels).subList(from, labels.length));
    }
}
