package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SrsTest {

    private final ManualClock clock = new ManualClock();
    private final Srs srs = new Srs(Srs.keyFrom("the-admin-token-of-this-installation"), clock);
    private final Domain forwarder = Domain.parse("fwd.example");
    private final MailAddress alice = MailAddress.parse("alice@origin.example");

    @Test
    void aSenderIsRewrittenIntoTheForwardersDomainAndABounceFindsItsWayBack() {
        MailAddress rewritten = srs.forward(alice, forwarder);
        assertThat(rewritten.domain()).isEqualTo(forwarder);
        assertThat(rewritten.localPart()).matches("SRS0=[A-Za-z0-9_-]{4}=[A-Z2-7]{2}=origin\\.example=alice");
        assertThat(srs.reverse(rewritten)).contains(alice);
        // A host that folds the local part to lower case.
        assertThat(srs.reverse(MailAddress.parse(rewritten.localPart().toLowerCase() + "@fwd.example"))).contains(alice);
        // The same sender the same day: the same address.
        assertThat(srs.forward(alice, forwarder)).isEqualTo(rewritten);
    }

    @Test
    void aLocalPartWithEqualsSignsAndSendersOfTheForwardersOwnDomainAreKept() {
        MailAddress odd = MailAddress.parse("a=b=c@origin.example");
        assertThat(srs.reverse(srs.forward(odd, forwarder))).contains(odd);
        MailAddress own = MailAddress.parse("bob@fwd.example");
        assertThat(srs.forward(own, forwarder)).isEqualTo(own);
        MailAddress literal = MailAddress.parse("bob@[192.0.2.7]");
        assertThat(srs.forward(literal, forwarder)).isEqualTo(literal);
        // SRS0=HHHH=TT= and the domain and the local part: over 64 octets it could not come back here.
        MailAddress longer = MailAddress.parse("newsletter-bounces-12345@lists.example-organisation.org");
        assertThat(srs.forward(longer, forwarder)).isEqualTo(longer);
        MailAddress fits = MailAddress.parse("newsletter@lists.example-organisation.org");
        assertThat(srs.forward(fits, forwarder).localPart()).startsWith("SRS0=").hasSizeLessThanOrEqualTo(64);
    }

    @Test
    void forgedTamperedAndExpiredAddressesAreNotReversed() {
        MailAddress rewritten = srs.forward(alice, forwarder);
        String local = rewritten.localPart();
        // Another target with the same hash: no open relay.
        assertThat(srs.reverse(new MailAddress(local.replace("alice", "mallory"), forwarder))).isEmpty();
        assertThat(srs.reverse(new MailAddress(local.replace("origin.example", "evil.example"), forwarder))).isEmpty();
        assertThat(srs.reverse(new MailAddress("SRS0=AAAA" + local.substring(9), forwarder))).isEmpty();
        // Another installation's key.
        Srs other = new Srs(Srs.keyFrom("another-installation's-admin-token"), clock);
        assertThat(other.reverse(rewritten)).isEmpty();
        // Not SRS at all, or cut short.
        assertThat(srs.reverse(MailAddress.parse("alice@fwd.example"))).isEmpty();
        assertThat(srs.reverse(MailAddress.parse("SRS0=abc@fwd.example"))).isEmpty();
        assertThat(srs.reverse(MailAddress.parse("SRS1=abcd=x.example@fwd.example"))).isEmpty();

        clock.advance(Srs.MAX_AGE);
        assertThat(srs.reverse(rewritten)).as("21 days on").contains(alice);
        clock.advance(Duration.ofDays(1));
        assertThat(srs.reverse(rewritten)).as("22 days on").isEmpty();
    }

    @Test
    void aSecondForwarderMakesSrs1AndItsBounceGoesBackToTheFirst() {
        Srs first = new Srs(Srs.keyFrom("first-installation-token-0123"), clock);
        MailAddress once = first.forward(alice, Domain.parse("first.example"));
        MailAddress twice = srs.forward(once, forwarder);
        assertThat(twice.localPart()).startsWith("SRS1=").contains("=first.example==");
        assertThat(twice.domain()).isEqualTo(forwarder);

        Optional<MailAddress> back = srs.reverse(twice);
        assertThat(back).contains(once);
        assertThat(first.reverse(back.orElseThrow())).contains(alice);

        // A third forwarder keeps the first one: bounces still go back to it.
        Srs third = new Srs(Srs.keyFrom("third-installation-token-0123"), clock);
        MailAddress thrice = third.forward(twice, Domain.parse("third.example"));
        assertThat(thrice.localPart()).startsWith("SRS1=").contains("=first.example==");
        assertThat(third.reverse(thrice)).contains(once);
    }

    @Test
    void theResolverTakesTheBounceAddressesOfALocalDomainBackToTheirSenders(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        try (Storage storage = io.yubin.store.embedded.EmbeddedStorage.open(dir)) {
            storage.directory().addDomain(forwarder).toCompletableFuture().join();
            MailAddress bob = MailAddress.parse("bob@fwd.example");
            storage.directory().addUser(new UserRecord(bob, "$argon2id$x", QuotaLimits.NONE, clock.instant()))
                    .toCompletableFuture().join();
            AddressResolver resolver = new AddressResolver(storage.directory(), AddressPolicies.DEFAULT.withSrs(srs));

            AddressResolver.Resolution back = resolver.resolve(srs.forward(alice, forwarder)).toCompletableFuture().join();
            assertThat(back.remote()).containsExactly(alice);
            assertThat(back.localUsers()).isEmpty();
            // A local user's address rewritten by another local domain's alias comes back to the user.
            MailAddress fromBob = srs.forward(bob, Domain.parse("other.example"));
            assertThat(resolver.resolve(new MailAddress(fromBob.localPart(), forwarder)).toCompletableFuture().join()
                    .localUsers()).containsExactly(bob);
            MailAddress forged = new MailAddress(srs.forward(alice, forwarder).localPart().replace("alice", "mallory"),
                    forwarder);
            assertThat(resolver.resolve(forged).toCompletableFuture().join().isUnknown()).isTrue();
            assertThat(new AddressResolver(storage.directory()).resolve(srs.forward(alice, forwarder))
                    .toCompletableFuture().join().isUnknown()).as("without SRS").isTrue();
        }
    }
}
