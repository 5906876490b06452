package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.MailAddress;
import org.junit.jupiter.api.Test;

class PasswordPolicyTest {

    private final MailAddress alice = MailAddress.parse("alice@example.test");

    @Test
    void refusesPasswordsShorterThanTheMinimum() {
        assertThatThrownBy(() -> PasswordPolicy.DEFAULT.check(alice, "short123".toCharArray()))
                .isInstanceOf(StoreException.class)
                .hasMessage("password must be at least 10 characters long")
                .extracting(e -> ((StoreException) e).field(), e -> ((StoreException) e).kind())
                .containsExactly("password", StoreException.Kind.INVALID);
    }

    @Test
    void countsCodePointsNotUtf16Units() {
        // ten emoji are ten characters, twenty UTF-16 units
        assertThatCode(() -> PasswordPolicy.DEFAULT.check(alice, "😀😀😀😀😀😀😀😀😀😀".toCharArray())).doesNotThrowAnyException();
        assertThatThrownBy(() -> PasswordPolicy.DEFAULT.check(alice, "😀😀😀😀😀".toCharArray()))
                .hasMessageContaining("at least 10");
    }

    @Test
    void refusesPasswordsContainingTheUserNameInAnyCase() {
        assertThatThrownBy(() -> PasswordPolicy.DEFAULT.check(alice, "my-ALICE-password".toCharArray()))
                .hasMessage("password must not contain the user name");
    }

    @Test
    void allowsTheUserNameWhenTheRuleIsOff() {
        PasswordPolicy lax = new PasswordPolicy(10, 1024, false);
        assertThatCode(() -> lax.check(alice, "my-alice-password".toCharArray())).doesNotThrowAnyException();
    }

    @Test
    void honoursAConfiguredMinimum() {
        PasswordPolicy strict = new PasswordPolicy(16, 1024, true);
        assertThatThrownBy(() -> strict.check(alice, "fifteen chars!!".toCharArray())).hasMessageContaining("at least 16");
    }

    @Test
    void refusesControlCharactersAndOverlongPasswords() {
        assertThatThrownBy(() -> PasswordPolicy.DEFAULT.check(alice, "good password\n".toCharArray()))
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> PasswordPolicy.DEFAULT.check(alice, "x".repeat(1025).toCharArray()))
                .hasMessageContaining("at most 1024");
    }
}
