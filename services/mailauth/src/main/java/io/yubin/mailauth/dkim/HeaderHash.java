package io.yubin.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The data a DKIM signature signs (RFC 6376 §3.7): selected header fields, then the signature field. */
final class HeaderHash {

    private HeaderHash() {
    }

    /**
     * The header hash input: for each name of h=, the last instance of that field not taken yet,
     * bottom-up; a name with no instance left adds nothing (§5.4.2, which makes oversigning work);
     * then the signature field, b= emptied, without its final CRLF.
     */
    static byte[] input(List<HeaderField> header, List<String> names, Canonicalization canonicalization,
            byte[] signatureField) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> present = header.stream().map(f -> f.name().toLowerCase(Locale.ROOT)).toList();
        Map<String, Integer> taken = new HashMap<>();
        for (String name : names) {
            int i = taken.getOrDefault(name, present.size()) - 1;
            while (i >= 0 && !present.get(i).equals(name)) {
                i--;
            }
            taken.put(name, Math.max(i, 0));
            if (i >= 0) {
                out.writeBytes(canonicalization.header(header.get(i).raw()));
            }
        }
        byte[] field = canonicalization.header(signatureField);
        int n = field.length;
        if (n >= 2 && field[n - 2] == '\r' && field[n - 1] == '\n') {
            n -= 2;
        }
        out.write(field, 0, n);
        return out.toByteArray();
    }
}
