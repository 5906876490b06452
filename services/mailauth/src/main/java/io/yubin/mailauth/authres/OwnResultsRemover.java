package io.yubin.mailauth.authres;

import io.yubin.mailauth.HeaderFieldRemover;
import io.yubin.mailauth.MessageHeader;
import java.io.InputStream;

/**
 * RFC 8601 §5: an MTA removes the Authentication-Results fields that claim its own authserv-id
 * from a message arriving from outside, before adding its own, so that nobody can make a message
 * look checked by us. Fields of other authserv-ids stay. Works on a stream ({@link HeaderFieldRemover}).
 */
public final class OwnResultsRemover {

    private OwnResultsRemover() {
    }

    /** {@code message} without the Authentication-Results fields whose authserv-id is {@code authservId}. */
    public static InputStream filter(InputStream original, String authservId, int maxHeaderBytes) {
        return HeaderFieldRemover.filter(original, field -> isOurs(field, authservId), maxHeaderBytes);
    }

    /** Whether a field is an Authentication-Results field carrying {@code authservId}. */
    public static boolean isOurs(MessageHeader.Field field, String authservId) {
        return field.hasName(ResultsHeader.FIELD_NAME)
                && ResultsParser.authservId(field.value()).map(id -> id.equalsIgnoreCase(authservId)).orElse(false);
    }
}
