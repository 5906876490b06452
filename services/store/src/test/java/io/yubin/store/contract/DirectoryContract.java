package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.Alias;
import io.yubin.store.AliasSource;
import io.yubin.store.AppPassword;
import io.yubin.store.Directory;
import io.yubin.store.QuotaLimits;
import io.yubin.store.StoreException.Kind;
import io.yubin.store.Totp;
import io.yubin.store.UserRecord;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link Directory} contract: domains, users, aliases and app passwords. */
public abstract class DirectoryContract extends StorageContractSupport {

    private static final Domain OTHER = Domain.parse("other.test");

    private Directory directory() {
        return storage.directory();
    }

    @BeforeEach
    void addLocalDomain() {
        await(directory().addDomain(DOMAIN));
    }

    @Test
    void listsDomainsSortedByALabel() {
        await(directory().addDomain(Domain.parse("b.test")));
        await(directory().addDomain(Domain.parse("a.test")));

        assertThat(await(directory().listDomains())).containsExactly(Domain.parse("a.test"),
                Domain.parse("b.test"), DOMAIN);
        assertThat(await(directory().isLocalDomain(Domain.parse("A.Test")))).isTrue();
        assertThat(await(directory().isLocalDomain(OTHER))).isFalse();
    }

    @Test
    void addingAnExistingDomainIsAConflict() {
        assertFails(directory().addDomain(Domain.parse("EXAMPLE.test")), Kind.CONFLICT);
    }

    @Test
    void removesAnEmptyDomain() {
        await(directory().removeDomain(DOMAIN));

        assertThat(await(directory().isLocalDomain(DOMAIN))).isFalse();
        assertThat(await(directory().listDomains())).isEmpty();
    }

    @Test
    void removingAMissingDomainIsNotFound() {
        assertFails(directory().removeDomain(OTHER), Kind.NOT_FOUND);
    }

    @Test
    void removingADomainWithUsersIsAConflict() {
        await(directory().addUser(user(ALICE)));

        assertFails(directory().removeDomain(DOMAIN), Kind.CONFLICT);
        assertThat(await(directory().isLocalDomain(DOMAIN))).isTrue();
    }

    @Test
    void removingADomainWithAliasesIsAConflict() {
        await(directory().addAlias(AliasSource.catchAll(DOMAIN), BOB));

        assertFails(directory().removeDomain(DOMAIN), Kind.CONFLICT);
    }

    @Test
    void addingAUserOutsideLocalDomainsIsNotFound() {
        assertFails(directory().addUser(user(MailAddress.parse("carol@other.test"))), Kind.NOT_FOUND);
    }

    @Test
    void addingAnExistingUserIsAConflictWhateverTheCase() {
        await(directory().addUser(user(ALICE)));

        assertFails(directory().addUser(user(MailAddress.parse("ALICE@Example.TEST"))), Kind.CONFLICT);
    }

    @Test
    void addingAUserWhoseAddressIsAnAliasIsAConflict() {
        await(directory().addAlias(AliasSource.of(ALICE), BOB));

        assertFails(directory().addUser(user(ALICE)), Kind.CONFLICT);
    }

    @Test
    void findsUsersByCanonicalAddress() {
        UserRecord alice = new UserRecord(ALICE, "$argon2id$hash", new QuotaLimits(1_000_000, 2_000), Instant.parse("2026-01-02T03:04:05.678Z"));
        await(directory().addUser(alice));

        UserRecord found = await(directory().findUser(MailAddress.parse("ALICE@Example.TEST"))).orElseThrow();
        assertThat(found.address()).isEqualTo(ALICE);
        assertThat(found.passwordHash()).isEqualTo("$argon2id$hash");
        assertThat(found.quota()).isEqualTo(new QuotaLimits(1_000_000, 2_000));
        assertThat(found.createdAt()).isEqualTo(alice.createdAt());
        assertThat(await(directory().findUser(BOB))).isEmpty();
    }

    @Test
    void setsAUsersQuota() {
        await(directory().addUser(user(ALICE)));
        assertThat(await(directory().findUser(ALICE)).orElseThrow().quota()).isEqualTo(QuotaLimits.NONE);

        await(directory().setQuota(MailAddress.parse("Alice@example.test"), new QuotaLimits(5_000_000, 100)));
        assertThat(await(directory().findUser(ALICE)).orElseThrow().quota()).isEqualTo(new QuotaLimits(5_000_000, 100));
        assertThat(await(directory().listUsers(DOMAIN)).get(0).quota()).isEqualTo(new QuotaLimits(5_000_000, 100));

        await(directory().setQuota(ALICE, QuotaLimits.NONE));
        assertThat(await(directory().findUser(ALICE)).orElseThrow().quota()).isEqualTo(QuotaLimits.NONE);
        assertFails(directory().setQuota(BOB, QuotaLimits.storage(1)), Kind.NOT_FOUND);
    }

    @Test
    void setsADomainsQuota() {
        assertThat(await(directory().domainQuota(DOMAIN))).isEqualTo(QuotaLimits.NONE);

        await(directory().setDomainQuota(DOMAIN, new QuotaLimits(1L << 40, 1_000_000)));
        assertThat(await(directory().domainQuota(DOMAIN))).isEqualTo(new QuotaLimits(1L << 40, 1_000_000));
        assertThat(await(directory().listDomains())).containsExactly(DOMAIN);

        await(directory().setDomainQuota(DOMAIN, QuotaLimits.storage(10)));
        assertThat(await(directory().domainQuota(DOMAIN))).isEqualTo(QuotaLimits.storage(10));

        Domain other = new Domain("not-local.test");
        assertFails(directory().setDomainQuota(other, QuotaLimits.storage(1)), Kind.NOT_FOUND);
        assertThat(await(directory().domainQuota(other))).isEqualTo(QuotaLimits.NONE);
        assertThat(await(directory().isLocalDomain(other))).isFalse();
    }

    @Test
    void setsThePasswordHash() {
        await(directory().addUser(user(ALICE)));

        await(directory().setPasswordHash(MailAddress.parse("Alice@example.test"), "$argon2id$new"));

        assertThat(await(directory().findUser(ALICE)).orElseThrow().passwordHash()).isEqualTo("$argon2id$new");
    }

    @Test
    void settingThePasswordOfAMissingUserIsNotFound() {
        assertFails(directory().setPasswordHash(ALICE, "$argon2id$new"), Kind.NOT_FOUND);
    }

    @Test
    void aTotpEnrolmentIsStoredWithTheUserAndRemoved() throws Exception {
        await(directory().addUser(user(ALICE)));
        await(directory().addUser(user(BOB)));
        assertThat(await(directory().findUser(ALICE)).orElseThrow().totp()).isEmpty();
        Totp totp = new Totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", DATE);

        await(directory().setTotp(MailAddress.parse("Alice@example.test"), Optional.of(totp)));

        reopen();
        assertThat(await(storage.directory().findUser(ALICE)).orElseThrow().totp()).contains(totp);
        assertThat(await(storage.directory().listUsers(DOMAIN))).extracting(UserRecord::totp)
                .containsExactly(Optional.of(totp), Optional.empty());
        await(storage.directory().setTotp(ALICE, Optional.empty()));
        assertThat(await(storage.directory().findUser(ALICE)).orElseThrow().totp()).isEmpty();
        assertFails(storage.directory().setTotp(MailAddress.parse("carol@example.test"), Optional.of(totp)),
                Kind.NOT_FOUND);
    }

    @Test
    void listsUsersPerDomainAndAllSortedByAddress() {
        await(directory().addDomain(OTHER));
        MailAddress carol = MailAddress.parse("carol@other.test");
        await(directory().addUser(user(BOB)));
        await(directory().addUser(user(carol)));
        await(directory().addUser(user(ALICE)));

        assertThat(await(directory().listUsers(DOMAIN))).extracting(UserRecord::address).containsExactly(ALICE, BOB);
        assertThat(await(directory().listUsers(null))).extracting(UserRecord::address)
                .containsExactly(ALICE, BOB, carol);
    }

    @Test
    void removingAUserRemovesItsAppPasswords() {
        await(directory().addUser(user(ALICE)));
        await(directory().addAppPassword(ALICE, appPassword("p1", "hash1", 1)));

        await(directory().removeUser(MailAddress.parse("ALICE@example.test")));

        assertThat(await(directory().findUser(ALICE))).isEmpty();
        assertThat(await(directory().findAppPasswordOwner("hash1"))).isEmpty();
        await(directory().addUser(user(ALICE)));
        assertThat(await(directory().listAppPasswords(ALICE))).isEmpty();
    }

    @Test
    void removingAMissingUserIsNotFound() {
        assertFails(directory().removeUser(ALICE), Kind.NOT_FOUND);
    }

    @Test
    void anAliasHasSeveralTargets() {
        MailAddress external = MailAddress.parse("someone@other.test");
        await(directory().addAlias(AliasSource.of(ALICE), external));
        await(directory().addAlias(AliasSource.of(ALICE), BOB));

        assertThat(await(directory().aliasTargets(AliasSource.parse("Alice@EXAMPLE.test"))))
                .containsExactlyInAnyOrder(BOB, external);
        assertThat(await(directory().aliasTargets(AliasSource.of(BOB)))).isEmpty();
    }

    @Test
    void addingTheSameAliasTargetTwiceIsAConflict() {
        await(directory().addAlias(AliasSource.of(ALICE), BOB));

        assertFails(directory().addAlias(AliasSource.parse("ALICE@example.test"),
                MailAddress.parse("BOB@example.test")), Kind.CONFLICT);
    }

    @Test
    void anAliasOnAUserAddressIsAConflict() {
        await(directory().addUser(user(ALICE)));

        assertFails(directory().addAlias(AliasSource.of(MailAddress.parse("ALICE@example.test")), BOB), Kind.CONFLICT);
    }

    @Test
    void anAliasOutsideLocalDomainsIsNotFound() {
        assertFails(directory().addAlias(AliasSource.parse("x@other.test"), BOB), Kind.NOT_FOUND);
        assertFails(directory().addAlias(AliasSource.catchAll(OTHER), BOB), Kind.NOT_FOUND);
    }

    @Test
    void removesOneAliasTargetOrAll() {
        MailAddress carol = MailAddress.parse("carol@example.test");
        AliasSource source = AliasSource.parse("team@example.test");
        await(directory().addAlias(source, ALICE));
        await(directory().addAlias(source, BOB));
        await(directory().addAlias(source, carol));

        await(directory().removeAlias(source, MailAddress.parse("BOB@example.test")));
        assertThat(await(directory().aliasTargets(source))).containsExactlyInAnyOrder(ALICE, carol);

        await(directory().removeAlias(source, null));
        assertThat(await(directory().aliasTargets(source))).isEmpty();
    }

    @Test
    void removingAnAliasThatMatchesNothingIsNotFound() {
        AliasSource source = AliasSource.parse("team@example.test");
        assertFails(directory().removeAlias(source, null), Kind.NOT_FOUND);
        await(directory().addAlias(source, ALICE));
        assertFails(directory().removeAlias(source, BOB), Kind.NOT_FOUND);
    }

    @Test
    void aCatchAllAliasIsKeyedByDomain() {
        await(directory().addAlias(AliasSource.catchAll(DOMAIN), ALICE));

        assertThat(await(directory().aliasTargets(AliasSource.parse("@EXAMPLE.test")))).containsExactly(ALICE);
        assertThat(await(directory().listAliases(DOMAIN))).containsExactly(new Alias(AliasSource.catchAll(DOMAIN), ALICE));
    }

    @Test
    void listsAliasesPerDomainAndAllSortedBySourceThenTarget() {
        await(directory().addDomain(OTHER));
        AliasSource sales = AliasSource.parse("sales@example.test");
        AliasSource info = AliasSource.parse("info@example.test");
        AliasSource help = AliasSource.parse("help@other.test");
        await(directory().addAlias(sales, BOB));
        await(directory().addAlias(info, BOB));
        await(directory().addAlias(sales, ALICE));
        await(directory().addAlias(help, ALICE));

        assertThat(await(directory().listAliases(DOMAIN))).containsExactly(new Alias(info, BOB),
                new Alias(sales, ALICE), new Alias(sales, BOB));
        assertThat(await(directory().listAliases(null))).hasSize(4).contains(new Alias(help, ALICE));
    }

    @Test
    void appPasswordsAreListedByCreationTimeAndFoundByHash() {
        await(directory().addUser(user(ALICE)));
        AppPassword later = appPassword("b", "hash-b", 20);
        AppPassword earlier = appPassword("a", "hash-a", 10);
        await(directory().addAppPassword(ALICE, later));
        await(directory().addAppPassword(MailAddress.parse("Alice@Example.Test"), earlier));

        assertThat(await(directory().listAppPasswords(ALICE))).containsExactly(earlier, later);
        assertThat(await(directory().findAppPasswordOwner("hash-b"))).contains(ALICE);
        assertThat(await(directory().findAppPasswordOwner("unknown"))).isEmpty();
    }

    @Test
    void anAppPasswordForAMissingUserIsNotFound() {
        assertFails(directory().addAppPassword(ALICE, appPassword("a", "h", 1)), Kind.NOT_FOUND);
    }

    @Test
    void aTakenAppPasswordIdIsAConflict() {
        await(directory().addUser(user(ALICE)));
        await(directory().addAppPassword(ALICE, appPassword("a", "h1", 1)));

        assertFails(directory().addAppPassword(ALICE, appPassword("a", "h2", 2)), Kind.CONFLICT);
    }

    @Test
    void revokesAnAppPassword() {
        await(directory().addUser(user(ALICE)));
        await(directory().addAppPassword(ALICE, appPassword("a", "h1", 1)));

        await(directory().revokeAppPassword(ALICE, "a"));

        assertThat(await(directory().listAppPasswords(ALICE))).isEmpty();
        assertThat(await(directory().findAppPasswordOwner("h1"))).isEmpty();
        assertFails(directory().revokeAppPassword(ALICE, "a"), Kind.NOT_FOUND);
    }

    @Test
    void directoryDataSurvivesReopening() throws Exception {
        await(directory().addUser(user(ALICE)));
        await(directory().addAlias(AliasSource.of(BOB), ALICE));
        AppPassword phone = appPassword("phone", "h", 5);
        await(directory().addAppPassword(ALICE, phone));

        reopen();

        assertThat(await(directory().listDomains())).containsExactly(DOMAIN);
        assertThat(await(directory().findUser(ALICE))).contains(user(ALICE));
        assertThat(await(directory().aliasTargets(AliasSource.of(BOB)))).containsExactly(ALICE);
        assertThat(await(directory().listAppPasswords(ALICE))).containsExactly(phone);
    }

    private static AppPassword appPassword(String id, String hash, long second) {
        return new AppPassword(id, id + " label", hash, Instant.ofEpochSecond(1_700_000_000L + second, 123));
    }
}
