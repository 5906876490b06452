package io.yubin.imap.search;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 5256 §2.1 base subject extraction, remembering whether the subject showed the message to be a
 * reply or a forward (which THREAD=REFERENCES step 5 needs).
 *
 * @param base the base subject
 * @param replyOrForward true when a subj-refwd, a "(fwd)" trailer or a "[fwd: ...]" wrapper was removed
 */
record BaseSubject(String base, boolean replyOrForward) {

    // subj-leader = (*subj-blob subj-refwd) / WSP ; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
    private static final Pattern LEADER = Pattern.compile(
            "^(?:(?:\\[[^\\[\\]]*\\][ \\t]*)*(?:re|fwd?)[ \\t]*(?:\\[[^\\[\\]]*\\][ \\t]*)?:|[ \\t])",
            Pattern.CASE_INSENSITIVE);
    // subj-blob = "[" *BLOBCHAR "]" *WSP
    private static final Pattern BLOB = Pattern.compile("^\\[[^\\[\\]]*\\][ \\t]*");

    static BaseSubject extract(String decodedSubject) {
        // (1) the subject is already decoded; tabs and continuations become one space, runs of spaces one.
        String s = decodedSubject.replaceAll("\\r\\n(?=[ \\t])", "").replaceAll("[\\t\\r\\n]", " ")
                .replaceAll(" {2,}", " ");
        boolean refwd = false;
        while (true) {
            // (2) subj-trailer = "(fwd)" / WSP, removed repeatedly from the end.
            while (true) {
                if (s.endsWith(" ")) {
                    s = s.substring(0, s.length() - 1);
                } else if (s.regionMatches(true, s.length() - 5, "(fwd)", 0, 5)) {
                    s = s.substring(0, s.length() - 5);
                    refwd = true;
                } else {
                    break;
                }
            }
            // (5) repeat (3) and (4) until neither removes anything.
            boolean changed = true;
            while (changed) {
                changed = false;
                // (3) subj-leader, removed repeatedly from the start.
                Matcher leader = LEADER.matcher(s);
                while (leader.find() && leader.end() > 0) {
                    if (!leader.group().isBlank()) {
                        refwd = true;
                    }
                    s = s.substring(leader.end());
                    changed = true;
                    leader = LEADER.matcher(s);
                }
                // (4) one leading subj-blob, unless removing it would leave an empty base subject.
                Matcher blob = BLOB.matcher(s);
                if (blob.find() && blob.end() < s.length()) {
                    s = s.substring(blob.end());
                    changed = true;
                }
            }
            // (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]": unwrap and start again at (2).
            if (s.length() >= 6 && s.regionMatches(true, 0, "[fwd:", 0, 5) && s.endsWith("]")) {
                s = s.substring(5, s.length() - 1);
                refwd = true;
                continue;
            }
            return new BaseSubject(s, refwd);
        }
    }
}
