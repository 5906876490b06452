package io.yubin.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BearerTokenTest {

    private final BearerToken token = new BearerToken("0123456789abcdef");

    @Test
    void acceptsTheExactTokenWithTheBearerSchemeInAnyCase() {
        assertThat(token.accepts("Bearer 0123456789abcdef")).isTrue();
        assertThat(token.accepts("bearer 0123456789abcdef")).isTrue();
        assertThat(token.accepts("BEARER   0123456789abcdef ")).isTrue();
    }

    @Test
    void refusesAnythingElse() {
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.accepts("")).isFalse();
        assertThat(token.accepts("Bearer")).isFalse();
        assertThat(token.accepts("Bearer ")).isFalse();
        assertThat(token.accepts("0123456789abcdef")).isFalse();
        assertThat(token.accepts("Basic 0123456789abcdef")).isFalse();
        assertThat(token.accepts("Bearer 0123456789abcdeF")).isFalse();
        assertThat(token.accepts("Bearer 0123456789abcdef0")).isFalse();
        assertThat(token.accepts("Bearer 0123456789abcde")).isFalse();
    }
}
