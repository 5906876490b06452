package io.yubin.delivery.mtasts;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code _mta-sts.<domain>} TXT record (RFC 8461 §3.1): {@code v=STSv1; id=20160831085700Z;}.
 * Only its id matters to a sender: a changed id means the policy changed.
 *
 * @param id 1 to 32 letters and digits
 */
public record MtaStsRecord(String id) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    // RFC 8461 §3.1: sts-ext-name and sts-ext-value.
    private static final Pattern EXT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern EXT_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");

    public MtaStsRecord {
        Objects.requireNonNull(id, "id");
    }

    /**
     * The one record among the TXT strings of {@code _mta-sts.<domain>}, or null. RFC 8461 §3.1:
     * records not beginning with {@code v=STSv1} are discarded; when not exactly one remains, or it is
     * invalid, the domain has no policy.
     */
    public static MtaStsRecord select(List<String> txt) {
        List<String> candidates = txt.stream().filter(MtaStsRecord::isSts).toList();
        return candidates.size() == 1 ? parse(candidates.get(0)) : null;
    }

    private static boolean isSts(String text) {
        return text.startsWith("v=STSv1") && (text.length() == 7 || text.charAt(7) == ';' || text.charAt(7) == ' '
                || text.charAt(7) == '\t');
    }

    /** The record, or null when {@code text} is not a valid STSv1 record. */
    public static MtaStsRecord parse(String text) {
        String[] fields = text.split(";", -1);
        if (!fields[0].stripTrailing().equals("v=STSv1")) {
            return null;
        }
        String id = null;
        // sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
        for (int i = 1; i < fields.length; i++) {
            String field = fields[i].strip();
            if (field.isEmpty()) {
                if (i == fields.length - 1 && i > 1) {
                    break; // the optional trailing delimiter
                }
                return null;
            }
            int eq = field.indexOf('=');
            if (eq < 0) {
                return null;
            }
            String name = field.substring(0, eq);
            String value = field.substring(eq + 1);
            if (name.equals("id")) {
                if (id != null || !ID.matcher(value).matches()) {
                    return null;
                }
                id = value;
            } else if (!EXT_NAME.matcher(name).matches() || !EXT_VALUE.matcher(value).matches()) {
                return null;
            }
        }
        return id == null ? null : new MtaStsRecord(id);
    }
}
