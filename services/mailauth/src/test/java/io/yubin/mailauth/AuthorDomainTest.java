package io.yubin.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class AuthorDomainTest {

    private static AuthorDomain of(String... values) {
        return AuthorDomain.of(List.of(values));
    }

    @Test
    void findsTheDomainOfTheOneAuthor() {
        assertThat(of(" alice@Example.COM")).isEqualTo(new AuthorDomain.Found("example.com"));
        assertThat(of(" Alice <alice@example.com>")).isEqualTo(new AuthorDomain.Found("example.com"));
        assertThat(of(" \"Evil, <x@evil.test>\" (comment @evil.test) <alice@example.com>"))
                .isEqualTo(new AuthorDomain.Found("example.com"));
        assertThat(of(" a@example.com, B <b@example.com>")).isEqualTo(new AuthorDomain.Found("example.com"));
        assertThat(of(" Team: a@example.com, b@example.com;")).isEqualTo(new AuthorDomain.Found("example.com"));
        assertThat(of(" <@route.test:alice@example.com>")).isEqualTo(new AuthorDomain.Found("example.com"));
    }

    @Test
    void refusesWhatHasNoSingleAuthorDomain() {
        assertThat(of()).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" a@example.com", " b@example.com")).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" a@example.com, b@example.org")).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" undisclosed-recipients:;")).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" alice")).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" alice@[192.0.2.1]")).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" \"unclosed <a@example.com>")).isInstanceOf(AuthorDomain.Invalid.class);
    }

    @Test
    void findsTheDomainOfOneMailboxWhateverItsDisplayForm() {
        assertThat(of(" \"Smith, Alice <boss@evil.test>\" <alice@example.org>")).isEqualTo(new AuthorDomain.Found("example.org"));
        assertThat(of(" alice@example.org (Alice <boss@evil.test>)")).isEqualTo(new AuthorDomain.Found("example.org"));
        assertThat(of("\r\n\tAlice\r\n <alice@example.org>")).isEqualTo(new AuthorDomain.Found("example.org"));
        assertThat(of(" <@relay.test,@other.test:alice@example.org>")).isEqualTo(new AuthorDomain.Found("example.org"));
    }

    @Test
    void givesUtf8DomainsAsALabels() {
        assertThat(of(" j\u00f6rg@b\u00fccher.example")).isEqualTo(new AuthorDomain.Found("xn--bcher-kva.example"));
    }

    @Test
    void hasNoAuthorDomainForAnEmptyValueOrAMailboxWithoutDomain() {
        assertThat(of(" ")).isInstanceOf(AuthorDomain.Invalid.class);
        assertThat(of(" alice@")).isInstanceOf(AuthorDomain.Invalid.class);
    }

    @Property
    void anyFieldValueGivesADomainOrAReason(@ForAll String value) {
        AuthorDomain result = AuthorDomain.of(List.of(value));
        if (result instanceof AuthorDomain.Found found) {
            assertThat(found.domain()).isNotEmpty().isLowerCase();
        } else {
            assertThat(((AuthorDomain.Invalid) result).reason()).isNotEmpty();
        }
    }
}
