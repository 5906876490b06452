package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuthorDomainTest {

    @Test
    void findsTheDomainOfOneMailboxWhateverItsDisplayForm() {
        assertThat(AuthorDomain.of(" alice@example.org")).contains("example.org");
        assertThat(AuthorDomain.of(" Alice <alice@Example.ORG>")).contains("example.org");
        assertThat(AuthorDomain.of(" \"Smith, Alice <boss@evil.test>\" <alice@example.org>")).contains("example.org");
        assertThat(AuthorDomain.of(" alice@example.org (Alice <boss@evil.test>)")).contains("example.org");
        assertThat(AuthorDomain.of("\r\n\tAlice\r\n <alice@example.org>")).contains("example.org");
        assertThat(AuthorDomain.of(" <@relay.test,@other.test:alice@example.org>")).contains("example.org");
        assertThat(AuthorDomain.of(" friends: alice@example.org, bob@example.org;")).contains("example.org");
    }

    @Test
    void givesUTF8DomainsAsALabels() {
        assertThat(AuthorDomain.of(" j\u00f6rg@b\u00fccher.example")).contains("xn--bcher-kva.example");
    }

    @Test
    void hasNoAuthorDomainForSeveralDomainsNoMailboxOrAnInvalidOne() {
        assertThat(AuthorDomain.of(" alice@example.org, mallory@evil.test")).isEmpty();
        assertThat(AuthorDomain.of(" undisclosed-recipients:;")).isEmpty();
        assertThat(AuthorDomain.of(" ")).isEmpty();
        assertThat(AuthorDomain.of(" alice")).isEmpty();
        assertThat(AuthorDomain.of(" alice@")).isEmpty();
        assertThat(AuthorDomain.of(" alice@[192.0.2.1]")).isEmpty();
    }
}
