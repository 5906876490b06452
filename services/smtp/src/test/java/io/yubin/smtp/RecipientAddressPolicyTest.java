package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.store.AddressPolicies;
import io.yubin.store.AddressPolicy;
import io.yubin.store.SpoolEntry;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * RCPT on the MX port under example.org's address policy (letters, digits and dots, at most 12,
 * "-" as the plus-addressing separator) and postmaster/abuse routed to bob.
 */
@ExtendWith(BlockedThreadWatch.class)
class RecipientAddressPolicyTest {

    @TempDir
    Path dir;
    TestServer t;

    @AfterEach
    void stop() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    private void start(MailAddress roleRecipient) throws Exception {
        t = new TestServer(dir, new AddressPolicies(AddressPolicy.DEFAULT,
                Map.of("example.org", new AddressPolicy("a-z0-9.-", 12, Set.of(), "-")), roleRecipient));
    }

    private static SmtpTestClient mx(TestServer t) throws Exception {
        SmtpTestClient c = t.connect(SmtpServer.Mode.MX);
        c.reply();
        c.ehlo();
        assertThat(c.command("MAIL FROM:<someone@remote.example>")).startsWith("250");
        return c;
    }

    @Test
    void acceptsATaggedRecipientAndDeliversItsEnvelopeAsWritten() throws Exception {
        start(null);
        try (SmtpTestClient c = mx(t)) {
            assertThat(c.command("RCPT TO:<alice-lists@example.org>")).startsWith("250 2.1.5");
            // Not this domain's separator: an unknown address, whose syntax "+" breaks.
            assertThat(c.command("RCPT TO:<alice+lists@example.org>")).startsWith("553 5.1.3 ");
            assertThat(c.command("RCPT TO:<sales-x@example.org>")).startsWith("250 2.1.5");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: tagged\r\n\r\nhi\r\n.")).startsWith("250");
        }
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.envelope().recipients()).extracting(r -> r.address().toString())
                .containsExactly("alice-lists@example.org", "sales-x@example.org");
        assertThat(t.accounts.resolver().resolve(MailAddress.parse("alice-lists@example.org"))
                .toCompletableFuture().join().localUsers()).containsExactly(TestServer.ALICE);
    }

    @Test
    void answersAnUnknownRecipientTheFormatCouldNeverHaveWith553AndOtherUnknownOnesWith550() throws Exception {
        start(null);
        try (SmtpTestClient c = mx(t)) {
            assertThat(c.command("RCPT TO:<al_ice@example.org>"))
                    .isEqualTo("553 5.1.3 No such user here: the local part may only use the characters a-z0-9.-, not \"_\"");
            assertThat(c.command("RCPT TO:<abcdefghijklm@example.org>")).startsWith("553 5.1.3 ")
                    .contains("longer than 12");
            assertThat(c.command("RCPT TO:<nobody@example.org>")).isEqualTo("550 5.1.1 No such user here");
            // Without a role recipient, the domain's first user took postmaster and abuse (RFC 5321 §4.5.1).
            assertThat(c.command("RCPT TO:<postmaster@example.org>")).startsWith("250 2.1.5");
            assertThat(c.command("RCPT TO:<webmaster@example.org>")).isEqualTo("550 5.1.1 No such user here");
        }
        assertThat(t.accounts.resolver().resolve(MailAddress.parse("abuse@example.org"))
                .toCompletableFuture().join().localUsers()).containsExactly(TestServer.ALICE);
    }

    @Test
    void postmasterWithoutADomainIsThePostmasterOfADomainThisServerServes() throws Exception {
        start(null);
        try (SmtpTestClient c = mx(t)) {
            // RFC 5321 §4.1.1.3: <Postmaster> MUST be accepted, in any case, parameters allowed.
            assertThat(c.command("RCPT TO:<Postmaster>")).startsWith("250 2.1.5");
            assertThat(c.command("RCPT TO:<POSTMASTER> NOTIFY=NEVER")).startsWith("250 2.1.5");
            assertThat(c.command("RCPT TO:<Postmasters>")).startsWith("501 5.1.3");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: to the postmaster\r\n\r\nhi\r\n.")).startsWith("250");
        }
        assertThat(t.spooled().get(0).envelope().recipients()).extracting(r -> r.address().toString())
                .containsExactly("postmaster@example.org", "postmaster@example.org");
    }

    @Test
    void postmasterWithoutADomainOnAHostNamedOutsideTheLocalDomainsIsThatOfTheFirstOfThem() throws Exception {
        t = new TestServer(dir, io.yubin.store.AddressPolicies.DEFAULT,
                "smtp.hosting.example");
        t.accounts.addDomain(io.yubin.model.Domain.parse("zz.example")).toCompletableFuture().join();
        try (SmtpTestClient c = mx(t)) {
            assertThat(c.command("RCPT TO:<Postmaster>")).startsWith("250 2.1.5");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: to the postmaster\r\n\r\nhi\r\n.")).startsWith("250");
        }
        assertThat(t.spooled().get(0).envelope().recipients()).extracting(r -> r.address().toString())
                .containsExactly("postmaster@example.org");
    }

    @Test
    void acceptsPostmasterAndAbuseForTheRoleRecipient() throws Exception {
        start(TestServer.BOB);
        try (SmtpTestClient c = mx(t)) {
            assertThat(c.command("RCPT TO:<postmaster@example.org>")).startsWith("250 2.1.5");
            assertThat(c.command("RCPT TO:<Abuse@example.org>")).startsWith("250 2.1.5");
            assertThat(c.command("RCPT TO:<webmaster@example.org>")).startsWith("550 5.1.1");
        }
        assertThat(t.accounts.resolver().resolve(MailAddress.parse("postmaster@example.org"))
                .toCompletableFuture().join().localUsers()).containsExactly(TestServer.BOB);
    }
}
