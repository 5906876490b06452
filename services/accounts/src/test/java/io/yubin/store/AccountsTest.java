package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accounts over the real embedded backend. */
class AccountsTest {

    @TempDir
    Path dir;

    private Storage storage;
    private Accounts accounts;
    private final Domain example = Domain.parse("example.test");
    private final MailAddress alice = MailAddress.parse("alice@example.test");
    private final MailAddress bob = MailAddress.parse("bob@example.test");

    @BeforeEach
    void open() throws Exception {
        storage = EmbeddedStorage.open(dir);
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        await(accounts.addDomain(example));
    }

    @AfterEach
    void close() throws Exception {
        accounts.close();
        storage.close();
    }

    private static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private static StoreException failure(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StoreException se) {
                return se;
            }
            throw e;
        }
        throw new AssertionError("expected a StoreException");
    }

    @Test
    void newUserGetsTheDefaultMailboxesAndCanLogIn() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(await(storage.mailboxes().list(alice))).extracting(m -> m.path().name())
                .containsExactlyInAnyOrder("INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive");
        assertThat(await(accounts.authenticate("Alice@Example.TEST", "a long secret phrase".toCharArray())))
                .contains(alice);
    }

    @Test
    void refusesWrongPasswordsAndUnknownUsers() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(await(accounts.authenticate("alice@example.test", "a long secret phrasE".toCharArray()))).isEmpty();
        assertThat(await(accounts.authenticate("nobody@example.test", "a long secret phrase".toCharArray()))).isEmpty();
        assertThat(await(accounts.authenticate("not an address", "whatever".toCharArray()))).isEmpty();
    }

    @Test
    void storesOnlyAnArgon2idHash() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        UserRecord stored = await(storage.directory().findUser(alice)).orElseThrow();
        assertThat(stored.passwordHash()).startsWith("$argon2id$").doesNotContain("a long secret phrase");
    }

    @Test
    void weakPasswordIsRefusedAndNothingIsWritten() {
        StoreException e = failure(accounts.addUser(alice, "short".toCharArray(), QuotaLimits.NONE));
        assertThat(e.kind()).isEqualTo(StoreException.Kind.INVALID);
        assertThat(e.field()).isEqualTo("password");
        assertThat(await(storage.directory().findUser(alice))).isEmpty();
        assertThat(await(storage.mailboxes().list(alice))).isEmpty();
    }

    @Test
    void userInAnUnknownDomainIsNotFound() {
        StoreException e = failure(accounts.addUser(MailAddress.parse("carol@elsewhere.test"),
                "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
    }

    @Test
    void duplicateUserIsAConflict() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        StoreException e = failure(accounts.addUser(MailAddress.parse("ALICE@example.test"),
                "another long phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT);
    }

    @Test
    void changedPasswordReplacesTheOldOne() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.changePassword(alice, "a brand new phrase".toCharArray()));
        assertThat(await(accounts.authenticate("alice@example.test", "a long secret phrase".toCharArray()))).isEmpty();
        assertThat(await(accounts.authenticate("alice@example.test", "a brand new phrase".toCharArray()))).contains(alice);
        assertThat(failure(accounts.changePassword(bob, "a brand new phrase".toCharArray())).kind())
                .isEqualTo(StoreException.Kind.NOT_FOUND);
    }

    @Test
    void appPasswordsLogInUntilRevokedEachOnItsOwn() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        Accounts.NewAppPassword phone = await(accounts.addAppPassword(alice, "phone"));
        Accounts.NewAppPassword laptop = await(accounts.addAppPassword(alice, "laptop"));
        assertThat(phone.secret()).matches("([a-z2-7]{4}-){7}[a-z2-7]{4}");
        assertThat(await(accounts.authenticate("alice@example.test", phone.secret().toCharArray()))).contains(alice);
        // typed without dashes and in upper case
        String typed = phone.secret().replace("-", "").toUpperCase();
        assertThat(await(accounts.authenticate("alice@example.test", typed.toCharArray()))).contains(alice);
        assertThat(await(accounts.appPasswords(alice))).extracting(AppPassword::label).containsExactly("phone", "laptop");

        await(accounts.revokeAppPassword(alice, phone.password().id()));
        assertThat(await(accounts.authenticate("alice@example.test", phone.secret().toCharArray()))).isEmpty();
        assertThat(await(accounts.authenticate("alice@example.test", laptop.secret().toCharArray()))).contains(alice);
    }

    @Test
    void appPasswordOfOneUserDoesNotLogInAnother() throws Exception {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(bob, "another long phrase".toCharArray(), QuotaLimits.NONE));
        Accounts.NewAppPassword phone = await(accounts.addAppPassword(alice, "phone"));
        assertThat(await(accounts.authenticate("bob@example.test", phone.secret().toCharArray()))).isEmpty();
    }

    @Test
    void aliasesResolveThroughChainsAndTheCatchAll() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(bob, "another long phrase".toCharArray(), QuotaLimits.NONE));
        MailAddress postmaster = MailAddress.parse("postmaster@example.test");
        MailAddress team = MailAddress.parse("team@example.test");
        MailAddress external = MailAddress.parse("someone@remote.example");
        await(accounts.addAlias(AliasSource.of(team), alice));
        await(accounts.addAlias(AliasSource.of(team), bob));
        await(accounts.addAlias(AliasSource.of(team), external));
        await(accounts.addAlias(AliasSource.of(postmaster), team));
        await(accounts.addAlias(AliasSource.catchAll(example), alice));

        AddressResolver.Resolution r = await(accounts.resolver().resolve(postmaster));
        assertThat(r.localUsers()).containsExactlyInAnyOrder(alice, bob);
        assertThat(r.remote()).containsExactly(external);
        assertThat(await(accounts.resolver().resolve(MailAddress.parse("anything@example.test"))).localUsers())
                .containsExactly(alice);
        assertThat(await(accounts.resolver().resolve(bob)).localUsers()).containsExactly(bob);
    }

    @Test
    void withoutACatchAllAnUnknownLocalAddressResolvesToNothing() {
        assertThat(await(accounts.resolver().resolve(MailAddress.parse("ghost@example.test"))).isUnknown()).isTrue();
    }

    @Test
    void aliasThatWouldLoopIsRefused() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        MailAddress a = MailAddress.parse("a@example.test");
        MailAddress b = MailAddress.parse("b@example.test");
        await(accounts.addAlias(AliasSource.of(a), alice));
        await(accounts.addAlias(AliasSource.of(b), a));
        StoreException e = failure(accounts.addAlias(AliasSource.of(a), b));
        assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT);
        assertThat(e.field()).isEqualTo("target");
        assertThat(e).hasMessageContaining("loop");
        assertThat(failure(accounts.addAlias(AliasSource.of(a), a)).kind()).isEqualTo(StoreException.Kind.CONFLICT);
    }

    @Test
    void aliasToAnUnknownLocalAddressIsNotFound() {
        StoreException e = failure(accounts.addAlias(AliasSource.of(MailAddress.parse("x@example.test")),
                MailAddress.parse("ghost@example.test")));
        assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
        assertThat(e.field()).isEqualTo("target");
    }

    @Test
    void removingAUserRemovesItsMailboxesAndTheAliasesPointingAtIt() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addAlias(AliasSource.of(MailAddress.parse("info@example.test")), alice));
        await(accounts.removeUser(alice));
        assertThat(await(storage.directory().findUser(alice))).isEmpty();
        assertThat(await(storage.mailboxes().find(alice, MailboxPath.INBOX))).isEmpty();
        assertThat(await(accounts.aliases(example))).isEmpty();
        assertThat(failure(accounts.removeUser(alice)).kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
    }

    @Test
    void aDomainsFirstUserTakesItsPostmasterAndAbuseMailWhereNothingElseDoes() {
        MailAddress postmaster = MailAddress.parse("postmaster@example.test");
        MailAddress abuse = MailAddress.parse("Abuse@example.test");
        assertThat(await(accounts.resolver().resolve(postmaster)).isUnknown()).isTrue();

        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(bob, "a long secret phrase".toCharArray(), QuotaLimits.NONE));

        // RFC 5321 §4.5.1 (postmaster), RFC 2142 (abuse): the first user, not the second.
        assertThat(await(accounts.aliases(example))).containsExactlyInAnyOrder(
                new Alias(AliasSource.of(abuse), alice), new Alias(AliasSource.of(postmaster), alice));
        assertThat(await(accounts.resolver().resolve(postmaster)).localUsers()).containsExactly(alice);

        // Pointed elsewhere by the administrator, they stay so; a user of that name is left alone.
        Domain other = Domain.parse("other.test");
        await(accounts.addDomain(other));
        await(accounts.addAlias(AliasSource.of(MailAddress.parse("abuse@other.test")), alice));
        MailAddress otherPostmaster = MailAddress.parse("postmaster@other.test");
        await(accounts.addUser(otherPostmaster, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(MailAddress.parse("carol@other.test"), "a long secret phrase".toCharArray(),
                QuotaLimits.NONE));
        assertThat(await(accounts.aliases(other))).containsExactly(
                new Alias(AliasSource.of(MailAddress.parse("abuse@other.test")), alice));
    }

    @Test
    void removingTheUserWhoTakesPostmasterAndAbuseHandsThemToTheDomainsEarliestRemainingUser() {
        MailAddress postmaster = MailAddress.parse("postmaster@example.test");
        MailAddress abuse = MailAddress.parse("abuse@example.test");
        MailAddress carol = MailAddress.parse("carol@example.test");
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(bob, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(carol, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        // alice also takes abuse@ of another domain, whose only user is dave.
        Domain other = Domain.parse("other.test");
        await(accounts.addDomain(other));
        MailAddress dave = MailAddress.parse("dave@other.test");
        await(accounts.addAlias(AliasSource.of(MailAddress.parse("abuse@other.test")), alice));
        await(accounts.addUser(dave, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(await(accounts.aliases(other))).extracting(Alias::target).containsExactlyInAnyOrder(alice, dave);

        // RFC 5321 §4.5.1: postmaster reaches someone for as long as the domain has users.
        assertThat(await(accounts.removeUser(alice))).containsExactlyInAnyOrder(
                new Alias(AliasSource.of(abuse), bob), new Alias(AliasSource.of(postmaster), bob),
                new Alias(AliasSource.of(MailAddress.parse("abuse@other.test")), dave));
        assertThat(await(accounts.resolver().resolve(postmaster)).localUsers()).containsExactly(bob);
        assertThat(await(accounts.resolver().resolve(abuse)).localUsers()).containsExactly(bob);

        // Pointed elsewhere, they are not the removed user's to hand over; the last user's go with it.
        await(accounts.removeAlias(AliasSource.of(postmaster), bob));
        await(accounts.addAlias(AliasSource.of(postmaster), carol));
        assertThat(await(accounts.removeUser(bob))).containsExactly(new Alias(AliasSource.of(abuse), carol));
        assertThat(await(accounts.removeUser(carol))).isEmpty();
        assertThat(await(accounts.aliases(example))).isEmpty();
        assertThat(await(accounts.resolver().resolve(postmaster)).isUnknown()).isTrue();

        // A user named postmaster, removed, is handed over the same way.
        await(accounts.addUser(postmaster, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(bob, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(await(accounts.removeUser(postmaster))).containsExactlyInAnyOrder(
                new Alias(AliasSource.of(abuse), bob), new Alias(AliasSource.of(postmaster), bob));
    }

    @Test
    void atStartTheEarliestUserOfADomainTakesTheRoleAddressesThatReachNobody() {
        MailAddress postmaster = MailAddress.parse("postmaster@example.test");
        MailAddress abuse = MailAddress.parse("abuse@example.test");
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addUser(bob, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        await(accounts.addDomain(Domain.parse("empty.test")));
        // As data written before users took them: postmaster@ reaches nobody, abuse@ goes to bob.
        await(accounts.removeAlias(AliasSource.of(postmaster), null));
        await(accounts.removeAlias(AliasSource.of(abuse), null));
        await(accounts.addAlias(AliasSource.of(abuse), bob));

        assertThat(await(accounts.ensureRoleAddresses())).containsExactly(new Alias(AliasSource.of(postmaster), alice));
        assertThat(await(accounts.resolver().resolve(abuse)).localUsers()).containsExactly(bob);
        assertThat(await(accounts.ensureRoleAddresses())).as("again: nothing to do").isEmpty();
        assertThat(await(accounts.aliases(Domain.parse("empty.test")))).isEmpty();
    }

    @Test
    void noRoleAliasWhereACatchAllOrTheRoleRecipientTakesThatMailOrThePolicyReservesTheName() throws Exception {
        await(accounts.addAlias(AliasSource.catchAll(example), MailAddress.parse("someone@elsewhere.example")));
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(await(accounts.aliases(example))).hasSize(1);

        Domain third = Domain.parse("third.test");
        try (Accounts withPolicies = new Accounts(storage.directory(), storage.mailboxes(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT,
                new AccountLockout(storage.accountLocks(), AccountLockout.Policy.DEFAULT),
                new LoginThrottle(LoginThrottle.Policy.CLIENT_IP),
                new PasswordVerificationCache(PasswordVerificationCache.Settings.DEFAULT),
                new AddressPolicies(AddressPolicy.DEFAULT, java.util.Map.of("third.test",
                        new AddressPolicy(AddressPolicy.DEFAULT.allowedCharacters(), AddressPolicy.DEFAULT.maxLength(),
                                java.util.Set.of("abuse"), AddressPolicy.DEFAULT.separator())),
                        MailAddress.parse("hostmaster@elsewhere.example")))) {
            await(withPolicies.addDomain(third));
            await(withPolicies.addUser(MailAddress.parse("dave@third.test"), "a long secret phrase".toCharArray(),
                    QuotaLimits.NONE));
            assertThat(await(withPolicies.aliases(third))).as("role recipient set, abuse reserved").isEmpty();
        }
    }

    @Test
    void domainWithUsersCannotBeRemoved() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(failure(accounts.removeDomain(example)).kind()).isEqualTo(StoreException.Kind.CONFLICT);
        await(accounts.removeUser(alice));
        await(accounts.removeDomain(example));
        assertThat(await(accounts.domains())).isEmpty();
    }

    @Test
    void withTotpEnrolledThePasswordNoLongerLogsInButAppPasswordsDoAndDisablingRestoresIt() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        Accounts.NewAppPassword phone = await(accounts.addAppPassword(alice, "phone"));
        assertThat(await(accounts.login("alice@example.test", "a long secret phrase".toCharArray(), "192.0.2.1")))
                .as("verified once, so cached").isInstanceOf(Accounts.LoginResult.Success.class);

        Accounts.TotpEnrolment enrolment = await(accounts.enableTotp(alice));

        assertThat(enrolment.uri()).isEqualTo("otpauth://totp/Yubin:alice@example.test?secret=" + enrolment.secret()
                + "&issuer=Yubin&algorithm=SHA1&digits=6&period=30");
        assertThat(await(accounts.login("alice@example.test", "a long secret phrase".toCharArray(), "192.0.2.1")))
                .as("neither the cache nor the hash lets the password in").isEqualTo(new Accounts.LoginResult.Failure());
        assertThat(await(accounts.authenticate("alice@example.test", "a long secret phrase".toCharArray()))).isEmpty();
        assertThat(await(accounts.login("alice@example.test", phone.secret().toCharArray(), "192.0.2.1")))
                .isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(await(accounts.user(alice)).orElseThrow().totp()).isPresent();

        await(accounts.disableTotp(alice));
        assertThat(await(accounts.login("alice@example.test", "a long secret phrase".toCharArray(), "192.0.2.1")))
                .isEqualTo(new Accounts.LoginResult.Success(alice));
    }

    @Test
    void verifyingATotpCodeChecksItAgainstTheEnrolledSecret() {
        await(accounts.addUser(alice, "a long secret phrase".toCharArray(), QuotaLimits.NONE));
        assertThat(failure(accounts.verifyTotp(alice, "123456")).kind()).as("not enrolled")
                .isEqualTo(StoreException.Kind.CONFLICT);
        Accounts.TotpEnrolment enrolment = await(accounts.enableTotp(alice));
        String now = TotpCodes.code(enrolment.secret(), java.time.Instant.now());
        String wrong = now.equals("000000") ? "000001" : "000000";

        assertThat(await(accounts.verifyTotp(alice, now))).isTrue();
        assertThat(await(accounts.verifyTotp(alice, wrong))).isFalse();
        assertThat(failure(accounts.verifyTotp(alice, "12ab56")).field()).isEqualTo("code");
        assertThat(failure(accounts.verifyTotp(bob, now)).kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
        assertThat(failure(accounts.enableTotp(bob)).kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
    }
}
