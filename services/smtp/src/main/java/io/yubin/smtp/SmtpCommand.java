package io.yubin.smtp;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import java.util.Set;

/** One parsed SMTP command line (RFC 5321 §4.1 and the extensions). */
sealed interface SmtpCommand {

    record Helo(String domain) implements SmtpCommand {
    }

    record Ehlo(String domain) implements SmtpCommand {
    }

    /**
     * @param sender null for the null reverse-path {@code <>}
     * @param size SIZE= (RFC 1870), -1 when absent
     * @param body BODY= (RFC 6152, RFC 3030), 7BIT when absent
     * @param smtpUtf8 SMTPUTF8 given (RFC 6531)
     * @param ret RET= (RFC 3461 §4.3), null when absent
     * @param envId ENVID= xtext-decoded (RFC 3461 §4.4), null when absent
     * @param requireTls REQUIRETLS given (RFC 8689 §2)
     */
    record Mail(MailAddress sender, long size, Envelope.BodyType body, boolean smtpUtf8, Envelope.DsnReturn ret,
            String envId, boolean requireTls) implements SmtpCommand {
    }

    /**
     * @param recipient null for {@code <Postmaster>} without a domain, this server's postmaster (RFC 5321 §4.1.1.3)
     * @param notifyOn NOTIFY= (RFC 3461 §4.1), empty when absent
     * @param orcpt ORCPT= as given (RFC 3461 §4.2), null when absent
     */
    record Rcpt(MailAddress recipient, Set<Envelope.DsnNotify> notifyOn, String orcpt) implements SmtpCommand {
    }

    record Data() implements SmtpCommand {
    }

    /** RFC 3030 §2: BDAT chunk-size [LAST]. */
    record Bdat(long size, boolean last) implements SmtpCommand {
    }

    record Rset() implements SmtpCommand {
    }

    record Noop() implements SmtpCommand {
    }

    record Quit() implements SmtpCommand {
    }

    record Vrfy(String argument) implements SmtpCommand {
    }

    record Help() implements SmtpCommand {
    }

    record StartTls() implements SmtpCommand {
    }

    /** RFC 4954 §4: AUTH mechanism [initial-response]; initialResponse null when absent. */
    record Auth(String mechanism, String initialResponse) implements SmtpCommand {
    }

    /** A line that is not a valid command; {@code reply} says why. */
    record Invalid(SmtpReply reply) implements SmtpCommand {
    }
}
