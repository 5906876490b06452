package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Domain;
import io.yubin.store.AdminRecord;
import io.yubin.store.Administrators;
import io.yubin.store.StoreException;
import io.yubin.store.Totp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@link Administrators} contract (docs/operations.md, "Administrators and the audit log"). */
public abstract class AdministratorsContract extends StorageContractSupport {

    private static final Domain OTHER = Domain.parse("other.test");
    /** Near the real time, so that backends expiring sessions by TTL keep them during the test. */
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private Administrators admins() {
        return storage.administrators();
    }

    private AdminRecord alice() {
        return new AdminRecord("ops-alice", "$argon2id$alice", AdminRecord.Role.GLOBAL, Set.of(),
                Optional.of(new Totp("JBSWY3DPEHPK3PXP", DATE)), DATE);
    }

    private AdminRecord bob() {
        return new AdminRecord("bob", "$argon2id$bob", AdminRecord.Role.DOMAIN, Set.of(DOMAIN, OTHER),
                Optional.empty(), DATE);
    }

    @Test
    void anAddedAdministratorIsFoundListedByNameAndSurvivesAReopen() throws Exception {
        await(admins().add(bob()));
        await(admins().add(alice()));

        reopen();
        assertThat(await(admins().find("ops-alice"))).contains(alice());
        assertThat(await(admins().find("bob"))).hasValueSatisfying(b -> {
            assertThat(b.role()).isEqualTo(AdminRecord.Role.DOMAIN);
            assertThat(b.domains()).containsExactlyInAnyOrder(DOMAIN, OTHER);
            assertThat(b.totp()).isEmpty();
            assertThat(b.createdAt()).isEqualTo(DATE);
        });
        assertThat(await(admins().find("carol"))).isEmpty();
        assertThat(await(admins().list())).extracting(AdminRecord::name).containsExactly("bob", "ops-alice");
    }

    @Test
    void aSecondAdministratorOfTheSameNameConflicts() {
        await(admins().add(alice()));
        assertFails(admins().add(alice()), StoreException.Kind.CONFLICT);
    }

    @Test
    void passwordTotpAndRoleAreUpdatedAndUnknownNamesAreNotFound() {
        await(admins().add(bob()));
        await(admins().setPasswordHash("bob", "$argon2id$new"));
        Totp totp = new Totp("KRSXG5CTMVRXEZLU", DATE.plusSeconds(5));
        await(admins().setTotp("bob", Optional.of(totp)));
        await(admins().setRole("bob", AdminRecord.Role.DOMAIN, Set.of(OTHER)));

        AdminRecord b = await(admins().find("bob")).orElseThrow();
        assertThat(b.passwordHash()).isEqualTo("$argon2id$new");
        assertThat(b.totp()).contains(totp);
        assertThat(b.domains()).containsExactly(OTHER);

        await(admins().setRole("bob", AdminRecord.Role.GLOBAL, Set.of()));
        await(admins().setTotp("bob", Optional.empty()));
        b = await(admins().find("bob")).orElseThrow();
        assertThat(b.role()).isEqualTo(AdminRecord.Role.GLOBAL);
        assertThat(b.domains()).isEmpty();
        assertThat(b.totp()).isEmpty();

        assertFails(admins().setPasswordHash("carol", "x"), StoreException.Kind.NOT_FOUND);
        assertFails(admins().setTotp("carol", Optional.empty()), StoreException.Kind.NOT_FOUND);
        assertFails(admins().setRole("carol", AdminRecord.Role.GLOBAL, Set.of()), StoreException.Kind.NOT_FOUND);
        assertFails(admins().remove("carol"), StoreException.Kind.NOT_FOUND);
        assertThat(await(admins().find("carol"))).as("an update does not create one").isEmpty();
    }

    @Test
    void aDomainAdministratorNeedsDomainsAndAGlobalOneHasNone() {
        assertThatThrownBy(() -> new AdminRecord("x", "h", AdminRecord.Role.DOMAIN, Set.of(), Optional.empty(), DATE))
                .isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> new AdminRecord("x", "h", AdminRecord.Role.GLOBAL, Set.of(DOMAIN), Optional.empty(),
                DATE)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> new AdminRecord("alice@example.test", "h", AdminRecord.Role.GLOBAL, Set.of(),
                Optional.empty(), DATE)).as("not a mail address").isInstanceOf(StoreException.class);
    }

    @Test
    void aSessionIsFoundUntilItExpiresOrIsRemoved() throws Exception {
        await(admins().add(alice()));
        Administrators.Session session = new Administrators.Session("ab12", "ops-alice", now,
                now.plus(Duration.ofMinutes(15)), "192.0.2.7");
        await(admins().addSession(session));

        reopen();
        assertThat(await(admins().findSession("ab12", now))).contains(session);
        assertThat(await(admins().findSession("ab12", now.plus(Duration.ofMinutes(15))))).as("expired").isEmpty();
        assertThat(await(admins().findSession("cd34", now))).isEmpty();

        await(admins().removeSession("ab12"));
        assertThat(await(admins().findSession("ab12", now))).isEmpty();
        await(admins().removeSession("ab12"));
    }

    @Test
    void removingAnAdministratorEndsItsSessions() {
        await(admins().add(alice()));
        await(admins().add(bob()));
        await(admins().addSession(new Administrators.Session("a1", "ops-alice", now, now.plusSeconds(600), "c")));
        await(admins().addSession(new Administrators.Session("b1", "bob", now, now.plusSeconds(600), "c")));

        await(admins().remove("ops-alice"));
        assertThat(await(admins().find("ops-alice"))).isEmpty();
        assertThat(await(admins().findSession("a1", now))).isEmpty();
        assertThat(await(admins().findSession("b1", now))).isPresent();
    }

    @Test
    void aTotpStepIsUsedOnceAndOnlyLaterStepsAfterItUntilReEnrolment() throws Exception {
        await(admins().add(bob()));
        assertThat(await(admins().useTotpStep("bob", 1000))).as("the first code").isTrue();
        assertThat(await(admins().useTotpStep("bob", 1000))).as("the same code again").isFalse();
        assertThat(await(admins().useTotpStep("bob", 999))).as("an earlier step").isFalse();
        assertThat(await(admins().useTotpStep("bob", 1001))).isTrue();

        // Two members given the same code at once: one of them accepts it.
        java.util.List<java.util.concurrent.CompletableFuture<Boolean>> racing = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            racing.add(admins().useTotpStep("bob", 1005).toCompletableFuture());
        }
        long accepted = 0;
        for (java.util.concurrent.CompletableFuture<Boolean> r : racing) {
            accepted += r.get(30, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(accepted).isEqualTo(1);

        await(admins().setTotp("bob", Optional.of(new Totp("KRSXG5CTMVRXEZLU", DATE))));
        assertThat(await(admins().useTotpStep("bob", 10))).as("a new enrolment starts afresh").isTrue();
        assertFails(admins().useTotpStep("carol", 1), StoreException.Kind.NOT_FOUND);
        assertThat(await(admins().find("carol"))).as("nor is one created").isEmpty();
    }

    @Test
    void anAdministratorsSessionsEndTogether() {
        await(admins().add(alice()));
        await(admins().add(bob()));
        await(admins().addSession(new Administrators.Session("a1", "ops-alice", now, now.plusSeconds(600), "c")));
        await(admins().addSession(new Administrators.Session("a2", "ops-alice", now, now.plusSeconds(600), "d")));
        await(admins().addSession(new Administrators.Session("b1", "bob", now, now.plusSeconds(600), "c")));

        await(admins().removeSessions("ops-alice"));
        assertThat(await(admins().findSession("a1", now))).isEmpty();
        assertThat(await(admins().findSession("a2", now))).isEmpty();
        assertThat(await(admins().findSession("b1", now))).isPresent();
        assertThat(await(admins().find("ops-alice"))).isPresent();
        await(admins().removeSessions("nobody"));
    }
}
