package io.yubin.protocol;

import io.yubin.model.MailAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * The SASL PLAIN mechanism (RFC 4616) as SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051 §6.2.2,
 * RFC 4959) and POP3 AUTH (RFC 5034) carry it: a base64 response holding
 * {@code [authzid] NUL authcid NUL passwd}, all UTF-8.
 *
 * <p>One authorization-identity rule for every protocol: acting as another user is not offered, so
 * the authzid must be empty or name the login itself, compared as addresses are compared everywhere
 * ({@link MailAddress} equality: the local part without regard to case, the domain by its A-label);
 * when either is not an address, the two must be equal ignoring case. Anything else is
 * {@link NotAuthorized}: an authorization failure, decided before and without the password, so it
 * is not a failed login and counts towards no lockout.
 *
 * <p>The decoded octets are wiped here; the password is handed over as a {@code char[]} that the
 * caller wipes ({@link Credentials#wipe}) once the login has been checked. (The base64 text the
 * client sent is a {@code String} and cannot be wiped.)
 */
public final class SaslPlain {

    /** What a PLAIN response turned out to be. */
    public sealed interface Outcome permits Credentials, Malformed, NotAuthorized {
    }

    /**
     * A well-formed response whose authorization identity is allowed.
     *
     * @param login the authentication identity (authcid)
     * @param password the secret; wipe it after use
     */
    public record Credentials(String login, char[] password) implements Outcome {

        /** Overwrites the password. */
        public void wipe() {
            Arrays.fill(password, '\0');
        }

        @Override
        public String toString() {
            return "Credentials[" + login + "]";
        }
    }

    /** Not a PLAIN response: nothing of it was checked. */
    public record Malformed(Problem problem) implements Outcome {
    }

    public enum Problem {
        /** Not base64 (RFC 4648 §4). */
        NOT_BASE64,
        /** Not {@code [authzid] NUL authcid NUL passwd} in UTF-8 with a non-empty authcid and passwd. */
        MALFORMED
    }

    /** The client asked to act as {@code authzid}, which is not the login. */
    public record NotAuthorized(String authzid, String login) implements Outcome {
    }

    private SaslPlain() {
    }

    /**
     * Decodes a response: the base64 text of a continuation line or an initial response, where
     * {@code "="} stands for an empty one (RFC 4954 §4, RFC 4959 §3, RFC 5034 §4).
     */
    public static Outcome decode(String response) {
        String text = response.strip();
        byte[] decoded;
        try {
            decoded = text.equals("=") ? new byte[0] : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return new Malformed(Problem.NOT_BASE64);
        }
        try {
            return parse(decoded);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    /**
     * Whether a client authenticated as {@code login} may act as {@code authzid}: the one rule of
     * every protocol (see the class comment).
     */
    public static boolean sameIdentity(String authzid, String login) {
        if (authzid.isEmpty()) {
            return true;
        }
        try {
            return MailAddress.parse(authzid).equals(MailAddress.parse(login));
        } catch (IllegalArgumentException e) {
            return authzid.toLowerCase(Locale.ROOT).equals(login.toLowerCase(Locale.ROOT));
        }
    }

    /** RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd. */
    private static Outcome parse(byte[] message) {
        int first = indexOfNul(message, 0);
        int second = first < 0 ? -1 : indexOfNul(message, first + 1);
        // authcid and passwd are 1*SAFE: not empty, and no third NUL.
        if (second < 0 || second == first + 1 || second == message.length - 1
                || indexOfNul(message, second + 1) >= 0) {
            return new Malformed(Problem.MALFORMED);
        }
        String authzid;
        String authcid;
        char[] password;
        try {
            authzid = utf8(message, 0, first);
            authcid = utf8(message, first + 1, second - first - 1);
            password = secret(message, second + 1, message.length - second - 1);
        } catch (CharacterCodingException e) {
            return new Malformed(Problem.MALFORMED);
        }
        if (!sameIdentity(authzid, authcid)) {
            Arrays.fill(password, '\0');
            return new NotAuthorized(authzid, authcid);
        }
        return new Credentials(authcid, password);
    }

    private static int indexOfNul(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    private static String utf8(byte[] bytes, int offset, int length) throws CharacterCodingException {
        return decoder().decode(ByteBuffer.wrap(bytes, offset, length)).toString();
    }

    /** Decodes into a buffer of our own, so that no copy of the secret is left behind unwiped. */
    private static char[] secret(byte[] bytes, int offset, int length) throws CharacterCodingException {
        // UTF-8 never yields more chars than octets.
        CharBuffer out = CharBuffer.allocate(length);
        try {
            CharsetDecoder decoder = decoder();
            CoderResult result = decoder.decode(ByteBuffer.wrap(bytes, offset, length), out, true);
            if (result.isError()) {
                result.throwException();
            }
            result = decoder.flush(out);
            if (result.isError()) {
                result.throwException();
            }
            return Arrays.copyOf(out.array(), out.position());
        } finally {
            Arrays.fill(out.array(), '\0');
        }
    }
}
