package io.yubin.imap.search;

import java.util.ArrayList;
import java.util.List;

/** The msg-ids of Message-ID, References and In-Reply-To values, for THREAD=REFERENCES. */
final class MessageIds {

    private MessageIds() {
    }

    /**
     * Every {@code <...>} in the values, in order, with whitespace inside removed (RFC 5322 §3.6.4
     * allows CFWS around the parts; obsolete forms fold inside). Text outside brackets (phrases,
     * comments) is skipped; empty ids are dropped. Ids compare case-sensitively.
     */
    static List<String> parse(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            int i = 0;
            while (true) {
                int open = v.indexOf('<', i);
                if (open < 0) {
                    break;
                }
                int close = v.indexOf('>', open + 1);
                if (close < 0) {
                    break;
                }
                int nested = v.lastIndexOf('<', close);
                String id = v.substring(nested + 1, close).replaceAll("\\s+", "");
                if (!id.isEmpty()) {
                    out.add(id);
                }
                i = close + 1;
            }
        }
        return out;
    }
}
