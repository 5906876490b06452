package io.yubin.smtp;

import io.yubin.model.MailAddress;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Signs mail from authenticated submission before it is spooled (DKIM, RFC 6376 §5): the server
 * wires it from the mailauth signer; SMTP only places what it returns. Without a signer nothing is
 * signed.
 */
@FunctionalInterface
public interface SubmissionSigner {

    /**
     * The header fields to put in front of {@code message} (each in wire format, ending in CRLF), or
     * none to leave it unsigned. The implementation reads the message on its own thread (it may be a
     * file) and closes it; a failed stage is logged and the message is spooled unsigned.
     *
     * @param sessionId the SMTP session, for its log lines
     * @param user the authenticated user
     * @param sender the envelope sender (MAIL FROM), which the user owns; null for the null reverse-path
     * @param message the message from its first header field: the header fields added at acceptance
     *     (Message-ID, Date) and what the client sent, without the trace fields
     */
    CompletionStage<List<String>> sign(String sessionId, MailAddress user, MailAddress sender, InputStream message);
}
