package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Address policies over the real embedded backend: example.test with a strict format and "-" as its
 * separator, other.test with the defaults ("+"), postmaster and abuse to the role recipient.
 */
class AccountsAddressPolicyTest {

    private static final char[] PASSWORD = "a long secret phrase".toCharArray();

    @TempDir
    Path dir;

    private Storage storage;
    private Accounts accounts;
    private final Domain example = Domain.parse("example.test");
    private final Domain other = Domain.parse("other.test");
    private final MailAddress hostmaster = MailAddress.parse("hostmaster@other.test");

    @BeforeEach
    void open() throws Exception {
        storage = EmbeddedStorage.open(dir);
        AddressPolicies policies = new AddressPolicies(AddressPolicy.DEFAULT,
                Map.of("example.test", new AddressPolicy("a-z0-9.-", 10, Set.of("root"), "-")), hostmaster);
        accounts = new Accounts(storage.directory(), storage.mailboxes(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT,
                new AccountLockout(storage.accountLocks(), AccountLockout.Policy.DEFAULT),
                new LoginThrottle(LoginThrottle.Policy.CLIENT_IP),
                new PasswordVerificationCache(PasswordVerificationCache.Settings.DEFAULT), policies);
        await(accounts.addDomain(example));
        await(accounts.addDomain(other));
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

    private AddressResolver.Resolution resolve(String address) {
        return await(accounts.resolver().resolve(MailAddress.parse(address)));
    }

    @Test
    void refusesNewUsersAndAliasesTheDomainsPolicyRefusesNamingTheRule() {
        StoreException chars = failure(accounts.addUser(MailAddress.parse("al_ice@example.test"), PASSWORD, QuotaLimits.NONE));
        assertThat(chars.kind()).isEqualTo(StoreException.Kind.INVALID);
        assertThat(chars.field()).isEqualTo("address");
        assertThat(chars.getMessage()).contains("al_ice@example.test").contains("a-z0-9.-")
                .contains("address policy of example.test");
        assertThat(failure(accounts.addUser(MailAddress.parse("abcdefghijk@example.test"), PASSWORD, QuotaLimits.NONE)).getMessage())
                .contains("longer than 10");
        assertThat(failure(accounts.addUser(MailAddress.parse("Root@example.test"), PASSWORD, QuotaLimits.NONE)).getMessage())
                .contains("reserved");
        assertThat(failure(accounts.addUser(MailAddress.parse("bob-x@example.test"), PASSWORD, QuotaLimits.NONE)).getMessage())
                .contains("separator");
        assertThat(failure(accounts.addAlias(AliasSource.of(MailAddress.parse("root@example.test")),
                MailAddress.parse("someone@elsewhere.test"))).field()).isEqualTo("source");
        assertThat(await(accounts.users(null))).isEmpty();

        // The other domain keeps the defaults.
        await(accounts.addUser(MailAddress.parse("al_ice@other.test"), PASSWORD, QuotaLimits.NONE));
        await(accounts.addUser(MailAddress.parse("bob@example.test"), PASSWORD, QuotaLimits.NONE));
        assertThat(await(accounts.users(null))).hasSize(2);
    }

    @Test
    void resolvesATaggedRecipientToItsUserOrAliasWithTheDomainsSeparator() {
        MailAddress bob = MailAddress.parse("bob@example.test");
        MailAddress carol = MailAddress.parse("carol@other.test");
        await(accounts.addUser(bob, PASSWORD, QuotaLimits.NONE));
        await(accounts.addUser(carol, PASSWORD, QuotaLimits.NONE));
        await(accounts.addAlias(AliasSource.of(MailAddress.parse("team@other.test")), carol));

        assertThat(resolve("bob-lists@example.test").localUsers()).containsExactly(bob);
        assertThat(resolve("bob+lists@example.test").isUnknown()).isTrue();
        assertThat(resolve("carol+shop@other.test").localUsers()).containsExactly(carol);
        assertThat(resolve("team+x@other.test").localUsers()).containsExactly(carol);
        assertThat(resolve("nobody+x@other.test").isUnknown()).isTrue();
    }

    @Test
    void sendsPostmasterAndAbuseOfEveryDomainToTheRoleRecipientUnlessTheDomainHasThem() {
        await(accounts.addUser(hostmaster, PASSWORD, QuotaLimits.NONE));
        MailAddress bob = MailAddress.parse("bob@example.test");
        await(accounts.addUser(bob, PASSWORD, QuotaLimits.NONE));

        assertThat(resolve("postmaster@example.test").localUsers()).containsExactly(hostmaster);
        assertThat(resolve("Abuse@other.test").localUsers()).containsExactly(hostmaster);
        assertThat(resolve("webmaster@example.test").isUnknown()).isTrue();
        await(accounts.addAlias(AliasSource.of(MailAddress.parse("abuse@example.test")), bob));
        assertThat(resolve("abuse@example.test").localUsers()).containsExactly(bob);
    }
}
