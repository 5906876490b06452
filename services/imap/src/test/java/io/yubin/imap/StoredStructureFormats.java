package io.yubin.imap;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Stored structures as older versions of this module wrote them. */
public final class StoredStructureFormats {

    private StoredStructureFormats() {
    }

    /** The stored form of the first format: a version octet, then three length-prefixed UTF-8 strings. */
    public static byte[] formatOne(String envelope, String bodyStructure, String body) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        for (String s : List.of(envelope, bodyStructure, body)) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
        return bytes.toByteArray();
    }
}
