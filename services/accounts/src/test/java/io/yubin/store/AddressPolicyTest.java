package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressPolicyTest {

    private final AddressPolicy strict = new AddressPolicy("a-z0-9._-", 12, Set.of("Root", "admin"), "+");

    @Test
    void allowsOnlyTheListedCharactersCaseInsensitively() {
        assertThat(strict.formatProblem("Al.Smith-2")).isEmpty();
        assertThat(strict.formatProblem("alice_smith")).isEmpty();
        assertThat(strict.formatProblem("al!ce")).get().asString().contains("a-z0-9._-").contains("\"!\"");
        assertThat(strict.formatProblem("jösé")).get().asString().contains("\"ö\"");
        assertThat(AddressPolicy.DEFAULT.formatProblem("!#$%&'*+-/=?^_`{|}~")).isEmpty();
    }

    @Test
    void boundsTheLengthInCharacters() {
        assertThat(strict.formatProblem("abcdefghijkl")).isEmpty();
        assertThat(strict.formatProblem("abcdefghijklm")).get().asString().contains("longer than 12");
        assertThat(AddressPolicy.DEFAULT.formatProblem("a".repeat(64))).isEmpty();
        assertThat(AddressPolicy.DEFAULT.formatProblem("a".repeat(65))).isPresent();
    }

    @Test
    void refusesReservedNamesAndTheSeparatorOnlyForNewAddresses() {
        assertThat(strict.creationProblem("ROOT")).get().asString().contains("reserved");
        assertThat(strict.formatProblem("root")).isEmpty();
        assertThat(strict.creationProblem("a+b")).get().asString().contains("\"+\"");
        AddressPolicy noPlus = new AddressPolicy("", 64, Set.of(), "");
        assertThat(noPlus.creationProblem("a+b")).isEmpty();
    }

    @Test
    void splitsTheTagAtTheFirstSeparator() {
        assertThat(strict.base("alice+lists+x")).contains("alice");
        assertThat(strict.base("alice")).isEmpty();
        assertThat(strict.base("+alice")).isEmpty();
        assertThat(new AddressPolicy("", 64, Set.of(), "-").base("bob-news")).contains("bob");
        assertThat(new AddressPolicy("", 64, Set.of(), "").base("alice+lists")).isEmpty();
    }

    @Test
    void refusesPoliciesThatMakeNoSense() {
        assertThatThrownBy(() -> new AddressPolicy("z-a", 64, Set.of(), "+")).hasMessageContaining("backwards");
        assertThatThrownBy(() -> new AddressPolicy("", 65, Set.of(), "+")).hasMessageContaining("1..64");
        assertThatThrownBy(() -> new AddressPolicy("", 64, Set.of(), "++")).hasMessageContaining("one character");
        assertThatThrownBy(() -> new AddressPolicy("", 64, Set.of(), ".")).hasMessageContaining("cannot be");
    }
}
