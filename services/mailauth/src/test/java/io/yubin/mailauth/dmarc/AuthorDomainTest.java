package io.yubin.mailauth.dmarc;

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
