package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.junit.jupiter.api.Test;

/** Notifications written by DsnBuilder, read back with mime4j. */
class DsnBuilderTest {

    static final Instant ARRIVED = Instant.parse("2026-12-05T10:15:30Z");
    static final Instant NOW = Instant.parse("2026-12-05T11:00:00Z");
    static final MailAddress ALICE = MailAddress.parse("alice@yubin.test");
    static final MailAddress BOB = MailAddress.parse("bob@peer.test");
    static final MailAddress CAROL = MailAddress.parse("carol@peer.test");
    static final String ORIGINAL = "From: alice@yubin.test\r\nTo: bob@peer.test\r\nSubject: the plan\r\n"
            + "Message-ID: <plan@yubin.test>\r\n\r\nThe body is here.\r\n";

    private final DsnBuilder builder = new DsnBuilder("mx.yubin.test", Clock.fixed(NOW, ZoneOffset.UTC));

    private static Envelope envelope(MailAddress sender, Envelope.DsnReturn ret, String envId,
            Envelope.Recipient... recipients) {
        return new Envelope(sender, List.of(recipients), Envelope.BodyType.SEVEN_BIT, false, ret, envId);
    }

    private static DsnRecipient failed(Envelope.Recipient r, String reply, String detail) {
        return new DsnRecipient(r, DsnRecipient.Action.FAILED,
                new RecipientResult(r.address(), DeliveryStatus.FAILED, reply, "mx.peer.test [127.0.0.2]", detail),
                NOW, null);
    }

    private Message write(DsnBuilder.Dsn dsn) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        builder.write(dsn, new ByteArrayInputStream(ORIGINAL.getBytes(StandardCharsets.US_ASCII)), out);
        byte[] bytes = out.toByteArray();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\r\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(998);
        }
        return new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(bytes));
    }

    private static String text(Entity part) throws IOException {
        try (InputStream in = ((SingleBody) part.getBody()).getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The blocks of a message/delivery-status part, each as field name → unfolded value. */
    private static List<Map<String, String>> statusBlocks(Entity part) throws IOException {
        List<Map<String, String>> blocks = new ArrayList<>();
        for (String block : text(part).split("\r\n\r\n")) {
            if (block.isBlank()) {
                continue;
            }
            Header header = new DefaultMessageBuilder()
                    .parseHeader(new ByteArrayInputStream((block + "\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
            Map<String, String> fields = new LinkedHashMap<>();
            for (Field field : header.getFields()) {
                fields.put(field.getName(), field.getBody().replaceAll("\r\n", ""));
            }
            blocks.add(fields);
        }
        return blocks;
    }

    @Test
    void failureReportIsAMultipartReportWithOneBlockPerRecipientAndTheOriginalHeaders() throws Exception {
        Envelope.Recipient bob = new Envelope.Recipient(BOB, Set.of(), "rfc822;bob@peer.test");
        Envelope.Recipient carol = Envelope.Recipient.of(CAROL);
        Envelope original = envelope(ALICE, null, "env-17", bob, carol);
        DsnBuilder.Dsn dsn = builder.plan(original, ARRIVED, List.of(
                failed(bob, "550 5.1.1 <bob@peer.test>: Recipient address rejected", "RCPT TO"),
                failed(carol, "554 5.6.3 the message has 8-bit content", null))).orElseThrow();

        assertThat(dsn.envelope().sender()).isNull();
        assertThat(dsn.envelope().recipients()).extracting(Envelope.Recipient::address).containsExactly(ALICE);

        Message message = write(dsn);
        assertThat(message.getMimeType()).isEqualTo("multipart/report");
        assertThat(message.getHeader().getField("Content-Type").getBody()).contains("report-type=delivery-status");
        assertThat(message.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(message.getFrom().get(0).getAddress()).isEqualTo("MAILER-DAEMON@mx.yubin.test");
        assertThat(message.getTo().toString()).contains("alice@yubin.test");
        assertThat(message.getHeader().getField("Auto-Submitted").getBody()).isEqualTo("auto-replied");

        List<Entity> parts = ((Multipart) message.getBody()).getBodyParts();
        assertThat(parts).extracting(Entity::getMimeType)
                .containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");
        assertThat(parts.get(0).getBody()).isInstanceOf(TextBody.class);
        assertThat(text(parts.get(0))).contains("<bob@peer.test>: failed",
                "550 5.1.1 <bob@peer.test>: Recipient address rejected");

        List<Map<String, String>> blocks = statusBlocks(parts.get(1));
        assertThat(blocks).hasSize(3);
        assertThat(blocks.get(0)).containsEntry("Reporting-MTA", "dns; mx.yubin.test")
                .containsEntry("Original-Envelope-Id", "env-17")
                .containsEntry("Arrival-Date", "Sat, 5 Dec 2026 10:15:30 +0000");
        assertThat(blocks.get(1)).containsEntry("Original-Recipient", "rfc822;bob@peer.test")
                .containsEntry("Final-Recipient", "rfc822; bob@peer.test")
                .containsEntry("Action", "failed")
                .containsEntry("Status", "5.1.1")
                .containsEntry("Remote-MTA", "dns; mx.peer.test")
                .containsEntry("Diagnostic-Code", "smtp; 550 5.1.1 <bob@peer.test>: Recipient address rejected")
                .containsEntry("Last-Attempt-Date", "Sat, 5 Dec 2026 11:00:00 +0000");
        assertThat(blocks.get(2)).doesNotContainKey("Original-Recipient")
                .containsEntry("Final-Recipient", "rfc822; carol@peer.test")
                .containsEntry("Status", "5.6.3")
                .containsEntry("Diagnostic-Code", "X-Yubin; 554 5.6.3 the message has 8-bit content");

        String headers = text(parts.get(2));
        assertThat(headers).contains("Subject: the plan", "Message-ID: <plan@yubin.test>")
                .doesNotContain("The body is here.");
    }

    @Test
    void retFullReturnsTheWholeMessage() throws Exception {
        Envelope.Recipient bob = Envelope.Recipient.of(BOB);
        DsnBuilder.Dsn dsn = builder.plan(envelope(ALICE, Envelope.DsnReturn.FULL, null, bob), ARRIVED,
                List.of(failed(bob, "550 5.1.1 no such user", "RCPT TO"))).orElseThrow();
        Message message = write(dsn);
        Entity returned = ((Multipart) message.getBody()).getBodyParts().get(2);
        assertThat(returned.getMimeType()).isEqualTo("message/rfc822");
        Message original = (Message) returned.getBody();
        assertThat(original.getSubject()).isEqualTo("the plan");
        assertThat(new String(((SingleBody) original.getBody()).getInputStream().readAllBytes(),
                StandardCharsets.US_ASCII)).isEqualTo("The body is here.\r\n");
    }

    @Test
    void aRequireTlsOriginalComesBackAsHeadersOnlyInANotificationThatRequiresTlsItself() throws Exception {
        Envelope.Recipient bob = Envelope.Recipient.of(BOB);
        Envelope original = envelope(ALICE, Envelope.DsnReturn.FULL, null, bob)
                .withTls(Envelope.TlsRequirement.REQUIRETLS);
        DsnBuilder.Dsn dsn = builder.plan(original, ARRIVED, List.of(failed(bob,
                "550 5.7.30 REQUIRETLS support required, but mx.peer.test [127.0.0.2] does not offer REQUIRETLS", null)))
                .orElseThrow();

        assertThat(dsn.envelope().tls()).isEqualTo(Envelope.TlsRequirement.REQUIRETLS);
        assertThat(dsn.returnsFullMessage()).isFalse();
        List<Entity> parts = ((Multipart) write(dsn).getBody()).getBodyParts();
        assertThat(statusBlocks(parts.get(1)).get(1)).containsEntry("Status", "5.7.30");
        assertThat(parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
        assertThat(text(parts.get(2))).contains("Subject: the plan").doesNotContain("The body is here.");

        Envelope optional = envelope(ALICE, null, null, bob).withTls(Envelope.TlsRequirement.TLS_OPTIONAL);
        assertThat(builder.plan(optional, ARRIVED, List.of(failed(bob, "550 5.1.1 no such user", "RCPT TO")))
                .orElseThrow().envelope().tls()).isEqualTo(Envelope.TlsRequirement.POLICY);
    }

    @Test
    void successIsReportedOnlyWhenNotifyAsksForItAndWithTheHeadersAlone() throws Exception {
        Envelope.Recipient asked = new Envelope.Recipient(BOB, java.util.Set.of(Envelope.DsnNotify.SUCCESS), null);
        Envelope.Recipient silent = Envelope.Recipient.of(CAROL);
        DsnRecipient delivered = new DsnRecipient(asked, DsnRecipient.Action.RELAYED, new RecipientResult(BOB,
                DeliveryStatus.DELIVERED, "250 2.0.0 queued as 42", "mx.peer.test [127.0.0.2]", "end of data"), NOW, null);
        DsnRecipient unasked = new DsnRecipient(silent, DsnRecipient.Action.DELIVERED, new RecipientResult(CAROL,
                DeliveryStatus.DELIVERED, "250 2.0.0 delivered to INBOX", null, null), NOW, null);

        assertThat(builder.plan(envelope(ALICE, Envelope.DsnReturn.FULL, null, silent), ARRIVED, List.of(unasked)))
                .as("no NOTIFY: failures and delays only").isEmpty();
        DsnBuilder.Dsn dsn = builder.plan(envelope(ALICE, Envelope.DsnReturn.FULL, "e1", asked, silent), ARRIVED,
                List.of(delivered, unasked)).orElseThrow();
        assertThat(dsn.recipients()).containsExactly(delivered);
        assertThat(dsn.returnsFullMessage()).isFalse();
        Message message = write(dsn);
        assertThat(message.getSubject()).isEqualTo("Successful Mail Delivery Report");
        List<Entity> parts = ((Multipart) message.getBody()).getBodyParts();
        assertThat(statusBlocks(parts.get(1)).get(1)).containsEntry("Action", "relayed").containsEntry("Status", "2.0.0")
                .containsEntry("Remote-MTA", "dns; mx.peer.test");
        assertThat(parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
    }

    @Test
    void delayReportSaysUntilWhenAndReturnsOnlyTheHeadersEvenForRetFull() throws Exception {
        Envelope.Recipient bob = Envelope.Recipient.of(BOB);
        DsnRecipient delayed = new DsnRecipient(bob, DsnRecipient.Action.DELAYED,
                new RecipientResult(BOB, DeliveryStatus.DEFERRED, "451 4.4.1 could not connect to mx.peer.test [127.0.0.2]",
                        "mx.peer.test [127.0.0.2]", null),
                NOW, Instant.parse("2026-12-10T10:15:30Z"));
        DsnBuilder.Dsn dsn = builder.plan(envelope(ALICE, Envelope.DsnReturn.FULL, null, bob), ARRIVED,
                List.of(delayed)).orElseThrow();
        Message message = write(dsn);
        assertThat(message.getSubject()).isEqualTo("Delayed Mail (still being retried)");
        List<Entity> parts = ((Multipart) message.getBody()).getBodyParts();
        assertThat(statusBlocks(parts.get(1)).get(1)).containsEntry("Action", "delayed")
                .containsEntry("Status", "4.4.1")
                .containsEntry("Will-Retry-Until", "Thu, 10 Dec 2026 10:15:30 +0000");
        assertThat(parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
    }

    @Test
    void noNotificationForTheNullSender() {
        Envelope.Recipient bob = Envelope.Recipient.of(BOB);
        assertThat(builder.plan(envelope(null, null, null, bob), ARRIVED,
                List.of(failed(bob, "550 5.1.1 no such user", "RCPT TO")))).isEmpty();
    }

    @Test
    void notifyDecidesWhichRecipientsAreReported() {
        Envelope.Recipient never = new Envelope.Recipient(BOB, Set.of(Envelope.DsnNotify.NEVER), null);
        Envelope.Recipient delayOnly = new Envelope.Recipient(CAROL, Set.of(Envelope.DsnNotify.DELAY), null);
        Envelope.Recipient failure = new Envelope.Recipient(MailAddress.parse("dave@peer.test"),
                Set.of(Envelope.DsnNotify.FAILURE), null);
        Envelope original = envelope(ALICE, null, null, never, delayOnly, failure);
        assertThat(builder.plan(original, ARRIVED, List.of(failed(never, "550 5.1.1 x", "RCPT TO"),
                failed(delayOnly, "550 5.1.1 x", "RCPT TO")))).isEmpty();
        assertThat(builder.plan(original, ARRIVED, List.of(failed(never, "550 5.1.1 x", "RCPT TO"),
                failed(failure, "550 5.1.1 x", "RCPT TO"))).orElseThrow().recipients())
                .extracting(r -> r.recipient().address().toString()).containsExactly("dave@peer.test");
    }

    @Test
    void longDiagnosticsAreFoldedAndReadBackWhole() throws Exception {
        Envelope.Recipient bob = Envelope.Recipient.of(BOB);
        String reply = "550 5.7.1 " + "word ".repeat(60) + "x".repeat(1200);
        Message message = write(builder.plan(envelope(ALICE, null, null, bob), ARRIVED,
                List.of(failed(bob, reply, "end of data"))).orElseThrow());
        Map<String, String> block = statusBlocks(((Multipart) message.getBody()).getBodyParts().get(1)).get(1);
        assertThat(block.get("Diagnostic-Code").replace(" ", "")).isEqualTo(("smtp; " + reply).replace(" ", ""));
    }

    @Test
    void utf8AddressesGiveTheGlobalTypesOfRfc6533() throws Exception {
        MailAddress jorg = MailAddress.parse("j\u00f6rg@peer.test", true);
        Envelope.Recipient recipient = Envelope.Recipient.of(jorg);
        Envelope original = new Envelope(MailAddress.parse("zo\u00eb@yubin.test", true), List.of(recipient),
                Envelope.BodyType.EIGHT_BIT_MIME, true, null, null);
        DsnBuilder.Dsn dsn = builder.plan(original, ARRIVED, List.of(failed(recipient, "550 5.1.1 no", "RCPT TO")))
                .orElseThrow();
        assertThat(dsn.envelope().smtpUtf8()).isTrue();
        assertThat(dsn.envelope().body()).isEqualTo(Envelope.BodyType.EIGHT_BIT_MIME);
        List<Entity> parts = ((Multipart) write(dsn).getBody()).getBodyParts();
        assertThat(parts).extracting(Entity::getMimeType)
                .containsExactly("text/plain", "message/global-delivery-status", "message/global-headers");
        assertThat(statusBlocks(parts.get(1)).get(1)).containsEntry("Final-Recipient", "utf-8; j\u00f6rg@peer.test");
    }

    @Test
    void statusComesFromTheEnhancedCodeElseTheReplyClass() {
        assertThat(DsnBuilder.status("550 5.1.1 no")).isEqualTo("5.1.1");
        assertThat(DsnBuilder.status("550 no")).isEqualTo("5.0.0");
        assertThat(DsnBuilder.status("451 try later")).isEqualTo("4.0.0");
        assertThat(DsnBuilder.status("550")).isEqualTo("5.0.0");
        assertThat(DsnBuilder.status("garbage")).isEqualTo("4.0.0");
    }
}
