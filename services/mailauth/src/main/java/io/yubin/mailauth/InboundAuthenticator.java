package io.yubin.mailauth;

import io.yubin.mailauth.authres.OwnResultsRemover;
import io.yubin.mailauth.authres.ResultsHeader;
import io.yubin.mailauth.dkim.ArcResult;
import io.yubin.mailauth.dkim.ArcVerifier;
import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dkim.DkimStatus;
import io.yubin.mailauth.dkim.DkimVerifier;
import io.yubin.mailauth.dmarc.DmarcPolicy;
import io.yubin.mailauth.dmarc.DmarcResult;
import io.yubin.mailauth.dmarc.DmarcStatus;
import io.yubin.mailauth.dmarc.DmarcVerifier;
import io.yubin.mailauth.spf.SpfChecks;
import io.yubin.mailauth.spf.SpfIdentity;
import io.yubin.mailauth.spf.SpfResult;
import io.yubin.mailauth.spf.SpfStatus;
import io.yubin.mailauth.spf.SpfVerifier;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The authentication of one message received from outside (the MX): SPF of the MAIL FROM identity
 * (of the HELO identity for a null reverse-path), every DKIM signature, DMARC over both, the ARC
 * chain (recorded only: no local policy trusts a sealer yet), and the
 * Authentication-Results field that records them. Nothing here blocks the caller: DNS is
 * asynchronous and the message is read on the blocking executor.
 */
public final class InboundAuthenticator {

    /** Header sections longer than this are not searched for forged Authentication-Results past it. */
    public static final int MAX_HEADER_BYTES = 1024 * 1024;

    /**
     * @param authservId the authserv-id of our Authentication-Results fields (RFC 8601 §2.5)
     * @param messageTimeLimit for DKIM and DMARC of one message, after the body arrived; then the
     *     results not known are temperror and the message is accepted
     */
    public record Settings(String authservId, Duration messageTimeLimit) {
        public Settings {
            Objects.requireNonNull(authservId);
            if (authservId.isBlank() || messageTimeLimit.isNegative() || messageTimeLimit.isZero()) {
                throw new IllegalArgumentException("bad mailauth settings");
            }
        }
    }

    /** What the receiving MTA does with the message. */
    public enum Action {
        ACCEPT,
        /** DMARC quarantine: deliver to the recipient's Junk mailbox. */
        QUARANTINE,
        /** DMARC reject: refuse at the end of DATA. */
        REJECT
    }

    /**
     * The results of one message.
     *
     * @param header the Authentication-Results field to prepend, ending in CRLF
     */
    public record Verdict(SpfResult spf, List<DkimResult> dkim, ArcResult arc, DmarcResult dmarc, String header,
            Action action) {
        public Verdict {
            dkim = List.copyOf(dkim);
        }
    }

    private final SpfVerifier spf;
    private final DkimVerifier dkim;
    private final DmarcVerifier dmarc;
    /** Null: ARC is not checked. */
    private final ArcVerifier arc;
    private final Executor blocking;
    private final Settings settings;

    public InboundAuthenticator(SpfVerifier spf, DkimVerifier dkim, DmarcVerifier dmarc, Executor blocking,
            Settings settings) {
        this(spf, dkim, null, dmarc, blocking, settings);
    }

    /** With ARC validation (RFC 8617), recorded in the Authentication-Results field; it changes no action. */
    public InboundAuthenticator(SpfVerifier spf, DkimVerifier dkim, ArcVerifier arc, DmarcVerifier dmarc,
            Executor blocking, Settings settings) {
        this.arc = arc;
        this.spf = Objects.requireNonNull(spf);
        this.dkim = Objects.requireNonNull(dkim);
        this.dmarc = Objects.requireNonNull(dmarc);
        this.blocking = Objects.requireNonNull(blocking);
        this.settings = Objects.requireNonNull(settings);
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Starts SPF for a transaction, at MAIL FROM: the MAIL FROM identity, or the HELO identity for a
     * null reverse-path ({@code mailFrom} null), which is also the identity DMARC aligns then
     * (RFC 7489 §3.1.2); and, with a MAIL FROM, the HELO identity on its own beside it (RFC 7208 §2.3
     * recommends it; it is reported, DMARC does not use it). The two run at once. The stage never fails.
     */
    public CompletionStage<SpfChecks> spf(InetAddress client, String helo, String mailFrom) {
        boolean nullSender = mailFrom == null || mailFrom.isEmpty();
        String heloText = helo == null ? "" : helo;
        if (client == null) {
            return CompletableFuture.completedFuture(new SpfChecks(new SpfResult(SpfStatus.NONE,
                    nullSender ? SpfIdentity.HELO : SpfIdentity.MAILFROM, nullSender ? heloText : mailFrom,
                    "", Optional.empty(), "the client address is not known"), null));
        }
        if (nullSender) {
            return spf.checkHelo(client, heloText).thenApply(h -> new SpfChecks(h, null));
        }
        return spf.check(client, heloText, mailFrom).thenCombine(spf.checkHelo(client, heloText), SpfChecks::new);
    }

    /**
     * DKIM, ARC and DMARC of the received message, with the SPF result of the transaction.
     * {@code message} opens the message as received; it is read three times (From, DKIM, ARC) on the
     * blocking executor. The stage fails only when the message cannot be read.
     */
    public CompletionStage<Verdict> verify(CompletionStage<SpfChecks> spfChecks, Supplier<InputStream> message) {
        CompletableFuture<SpfChecks> checksDone = spfChecks.toCompletableFuture();
        CompletableFuture<SpfResult> spfDone = checksDone.thenApply(SpfChecks::identity);
        CompletableFuture<AuthorDomain> from = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = new BufferedInputStream(message.get())) {
                return AuthorDomain.of(MessageHeader.read(in, MAX_HEADER_BYTES).values("From"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, blocking);
        CompletableFuture<List<DkimResult>> signatures = CompletableFuture.supplyAsync(message, blocking)
                .thenCompose(in -> dkim.verify(in).whenComplete((r, e) -> close(in)));
        CompletableFuture<ArcResult> chain = arc == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(message, blocking)
                        .thenCompose(in -> arc.verify(in).whenComplete((r, e) -> close(in)));
        CompletableFuture<Verdict> checked = from.thenCompose(author -> spfDone.thenCombine(signatures,
                (s, d) -> dmarc.check(author, s, d)
                        .thenCombine(chain, (m, a) -> verdict(s, helo(checksDone), d, a, m)))
                .thenCompose(stage -> stage));
        return checked.completeOnTimeout(null, settings.messageTimeLimit().toMillis(), TimeUnit.MILLISECONDS)
                .thenCombine(from, (v, author) -> v != null ? v
                        : timedOut(spfDone.getNow(null), helo(checksDone), done(signatures), author));
    }

    /** The message without Authentication-Results fields that claim our authserv-id (RFC 8601 §5). */
    public InputStream withoutOwnResults(InputStream message) {
        return OwnResultsRemover.filter(message, settings.authservId(), MAX_HEADER_BYTES);
    }

    /** Whether {@code field} is an Authentication-Results field claiming our authserv-id (RFC 8601 §5). */
    public boolean isOwnResult(MessageHeader.Field field) {
        return OwnResultsRemover.isOurs(field, settings.authservId());
    }

    private Verdict verdict(SpfResult s, SpfResult helo, List<DkimResult> d, ArcResult a, DmarcResult m) {
        Action action = m.disposition() == DmarcPolicy.REJECT ? Action.REJECT
                : m.disposition() == DmarcPolicy.QUARANTINE ? Action.QUARANTINE : Action.ACCEPT;
        return new Verdict(s, d, a, m, ResultsHeader.field(settings.authservId(), s, helo, d, a, m), action);
    }

    /** The separate HELO check when it is in, else null (it is not waited for beyond the identity's). */
    private static SpfResult helo(CompletableFuture<SpfChecks> checks) {
        return checks.isDone() && !checks.isCompletedExceptionally() ? checks.join().helo() : null;
    }

    /** Over the time limit: what is not known is temperror, and the message is accepted. */
    private Verdict timedOut(SpfResult s, SpfResult helo, List<DkimResult> signatures, AuthorDomain author) {
        String reason = "not verified within " + settings.messageTimeLimit().toMillis() + " ms";
        List<DkimResult> d = signatures != null ? signatures : List.of(new DkimResult(DkimStatus.TEMPERROR, reason,
                "", "", "", "", "", OptionalLong.empty(), false));
        DmarcResult m = new DmarcResult(DmarcStatus.TEMPERROR,
                author instanceof AuthorDomain.Found found ? found.domain() : "", Optional.empty(), DmarcPolicy.NONE,
                DmarcPolicy.NONE, reason);
        return new Verdict(s, d, null, m, ResultsHeader.field(settings.authservId(), s, helo, d, null, m),
                Action.ACCEPT);
    }

    /** The results when they are in, else null. */
    private static List<DkimResult> done(CompletableFuture<List<DkimResult>> signatures) {
        return signatures.isDone() && !signatures.isCompletedExceptionally() ? signatures.join() : null;
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // read to the end already; nothing to report
        }
    }
}
