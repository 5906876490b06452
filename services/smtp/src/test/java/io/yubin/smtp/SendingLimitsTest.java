package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-user sending limits: the counting alone, and in a real submission session. */
class SendingLimitsTest {

    private static final MailAddress ALICE = TestServer.ALICE;
    private static final MailAddress BOB = TestServer.BOB;

    @TempDir
    Path dir;

    private final MovingClock clock = new MovingClock();

    @Test
    void aUserOverrideWinsOverItsDomainsWhichWinsOverTheDefaults() {
        SendingLimits limits = new SendingLimits(new SendingLimits.Limits(10, 20, 30), Map.of(
                "example.org", new SendingLimits.Limits(1, 2, 3),
                "bob@example.org", new SendingLimits.Limits(0, 0, 0)), clock);

        assertThat(limits.limitsFor(ALICE)).isEqualTo(new SendingLimits.Limits(1, 2, 3));
        assertThat(limits.limitsFor(BOB)).isEqualTo(SendingLimits.Limits.NONE);
        assertThat(limits.limitsFor(MailAddress.parse("carol@other.example"))).isEqualTo(
                new SendingLimits.Limits(10, 20, 30));
    }

    /** What members share: every published message reaches every subscriber, the publisher's too. */
    private static final class SharedEvents implements io.yubin.queue.SendingEvents {
        private final java.util.List<java.util.function.Consumer<Sent>> listeners =
                new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void publish(Sent sent) {
            listeners.forEach(l -> l.accept(sent));
        }

        @Override
        public AutoCloseable subscribe(java.util.function.Consumer<Sent> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void whatAUserSendsThroughOneMemberCountsOnEveryMemberOnce() {
        SharedEvents events = new SharedEvents();
        SendingLimits a = new SendingLimits(new SendingLimits.Limits(3, 0, 100), Map.of(), clock, events);
        SendingLimits b = new SendingLimits(new SendingLimits.Limits(3, 0, 100), Map.of(), clock, events);

        a.accepted(ALICE, 40);
        clock.advance(Duration.ofMinutes(1));
        b.accepted(ALICE, 40);

        assertThat(a.checkMessage(ALICE)).as("two of three messages: its own once, b's once").isNull();
        assertThat(b.checkRecipient(ALICE, 19)).isNull();
        assertThat(b.checkRecipient(ALICE, 20).reply().toString()).startsWith("450 4.7.1 Sending limit reached: at most 100 recipients per day");
        a.accepted(ALICE, 1);
        assertThat(b.checkMessage(ALICE).reply().toString()).startsWith("450 4.7.1 Sending limit reached: at most 3 messages per hour");
        assertThat(a.checkMessage(ALICE)).isNotNull();
        assertThat(a.checkMessage(BOB)).isNull();
        b.close();
        a.accepted(BOB, 1);
        a.accepted(BOB, 1);
        a.accepted(BOB, 1);
        assertThat(b.checkMessage(BOB)).as("b no longer listens").isNull();
    }

    @Test
    void messagesPerHourAndRecipientsPerDayCountInSlidingWindows() {
        SendingLimits limits = new SendingLimits(new SendingLimits.Limits(2, 0, 5), Map.of(), clock);

        assertThat(limits.checkMessage(ALICE)).isNull();
        limits.accepted(ALICE, 2);
        clock.advance(Duration.ofMinutes(30));
        limits.accepted(ALICE, 2);
        SendingLimits.Refusal hourly = limits.checkMessage(ALICE);
        assertThat(hourly.reply()).isEqualTo(new SmtpReply(450, "4.7.1",
                "Sending limit reached: at most 2 messages per hour, try again later"));
        assertThat(hourly.log()).contains("alice@example.org", "2 messages in the last hour", "limit 2");
        assertThat(limits.checkMessage(BOB)).as("counted per user").isNull();
        // 4 recipients of the day so far: one more fits, the second does not.
        assertThat(limits.checkRecipient(ALICE, 0)).isNull();
        assertThat(limits.checkRecipient(ALICE, 1).reply()).isEqualTo(new SmtpReply(450, "4.7.1",
                "Sending limit reached: at most 5 recipients per day, try again later"));

        clock.advance(Duration.ofMinutes(31));
        assertThat(limits.checkMessage(ALICE)).as("the first message is over an hour old").isNull();
        assertThat(limits.checkRecipient(ALICE, 1)).as("but within the day").isNotNull();
        clock.advance(Duration.ofHours(23));
        assertThat(limits.checkRecipient(ALICE, 1)).as("the first message is over a day old").isNull();
    }

    @Test
    void aSubmissionSessionGetsTheRepliesAndUnauthenticatedMailIsNotLimited() throws Exception {
        SendingLimits limits = new SendingLimits(new SendingLimits.Limits(2, 2, 3), Map.of(), Clock.systemUTC());
        try (TestServer t = new TestServer(dir, SmtpLimits.defaults(), false, limits);
                SmtpTestClient c = SmtpTestClient.connectTls(t.port(SmtpServer.Mode.SUBMISSIONS))) {
            c.reply();
            c.ehlo();
            assertThat(c.command("AUTH PLAIN " + SmtpTestClient.plain("alice@example.org", TestServer.PASSWORD)))
                    .startsWith("235");

            assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<sales@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<friend@remote.example>"))
                    .isEqualTo("452 4.5.3 Too many recipients: at most 2 per message");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: one\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");

            assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<friend@remote.example>"))
                    .isEqualTo("450 4.7.1 Sending limit reached: at most 3 recipients per day, try again later");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: two\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");

            assertThat(c.command("MAIL FROM:<alice@example.org>"))
                    .isEqualTo("450 4.7.1 Sending limit reached: at most 2 messages per hour, try again later");
        }
        try (TestServer t = new TestServer(dir.resolve("mx"), SmtpLimits.defaults(), false, limits);
                SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX))) {
            c.reply();
            c.ehlo();
            for (int i = 0; i < 3; i++) {
                assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("250");
                assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
                assertThat(c.command("RCPT TO:<sales@example.org>")).startsWith("250");
                assertThat(c.command("RCPT TO:<alice@example.org>")).startsWith("250");
                assertThat(c.command("DATA")).startsWith("354");
                assertThat(c.command("Subject: in\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");
            }
            assertThat(t.queue.ids).hasSize(3);
        }
    }

    private static final class MovingClock extends Clock {
        private Instant now = Instant.parse("2026-03-01T10:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
