package io.yubin.smtp;

/** A message refused on purpose at the end of its data (a DMARC reject), with the reply to give. */
final class MessageRefusedException extends RuntimeException {

    private final transient SmtpReply reply;

    MessageRefusedException(SmtpReply reply) {
        super(reply.text(), null, false, false);
        this.reply = reply;
    }

    SmtpReply reply() {
        return reply;
    }
}
