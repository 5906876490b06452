package io.yubin.delivery.remote;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The SMTP extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1): each line after the
 * first is a keyword and its parameters. HELO announces none.
 *
 * @param keywords the keywords in upper case
 * @param sizeLimit the SIZE parameter (RFC 1870 §4); 0 when SIZE is not announced or has no limit
 */
public record EhloCapabilities(Set<String> keywords, long sizeLimit) {

    public static final EhloCapabilities NONE = new EhloCapabilities(Set.of(), 0);

    public EhloCapabilities {
        keywords = Set.copyOf(keywords);
    }

    public static EhloCapabilities parse(RemoteReply ehlo) {
        Set<String> keywords = new HashSet<>();
        long size = 0;
        List<String> lines = ehlo.lines();
        for (String line : lines.subList(1, lines.size())) {
            String[] words = line.strip().split("[ =]+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            String keyword = words[0].toUpperCase(Locale.ROOT);
            keywords.add(keyword);
            if (keyword.equals("SIZE") && words.length > 1) {
                try {
                    size = Math.max(0, Long.parseLong(words[1]));
                } catch (NumberFormatException ignored) {
                    size = 0; // a SIZE we cannot read sets no limit; the server still refuses what is too large
                }
            }
        }
        return new EhloCapabilities(keywords, size);
    }

    public boolean has(String keyword) {
        return keywords.contains(keyword);
    }
}
