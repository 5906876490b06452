package io.yubin.server;

import io.yubin.mailauth.dkim.DkimSigner;
import io.yubin.model.MailAddress;
import io.yubin.smtp.SubmissionSigner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKIM signing at submission (docs/outbound.md, "DKIM signing"): the mailauth {@link DkimSigner}
 * signs as the From field's domain when it has keys and the submitter may sign as it — the domain
 * of the authenticated user or of the envelope sender (which SMTP checked the user owns), so one
 * hosted domain's users cannot get mail signed with another's key. Runs on its own threads: it
 * reads the whole message and makes an RSA signature.
 */
final class DkimSubmissionSigner implements SubmissionSigner {

    private static final Logger LOG = LoggerFactory.getLogger(DkimSubmissionSigner.class);

    private final DkimSigner signer;
    private final Executor threads;

    DkimSubmissionSigner(DkimSigner signer, Executor threads) {
        this.signer = signer;
        this.threads = threads;
    }

    @Override
    public CompletionStage<List<String>> sign(String sessionId, MailAddress user, MailAddress sender,
            InputStream message) {
        return CompletableFuture.supplyAsync(() -> {
            try (message) {
                DkimSigner.Signed signed = signer.signAsAuthor(domain -> mayUse(user, sender, domain), message);
                if (signed.signed()) {
                    LOG.info("[{}] DKIM-signed as {} ({} signature{})", sessionId, signed.domain(),
                            signed.fields().size(), signed.fields().size() == 1 ? "" : "s");
                } else {
                    LOG.info("[{}] not DKIM-signed: {}", sessionId, signed.reason());
                }
                return signed.fields();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, threads);
    }

    /** {@code domain} (A-label, lower case) is the user's or the envelope sender's domain. */
    static boolean mayUse(MailAddress user, MailAddress sender, String domain) {
        return user.domain().ascii().equals(domain) || (sender != null && sender.domain().ascii().equals(domain));
    }
}
