package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    /** 5 failures lock a key for 1 minute, doubling up to 1 hour. */
    private static final LoginThrottle.Policy FIVE = new LoginThrottle.Policy(5, Duration.ofMinutes(1),
            Duration.ofHours(1), Duration.ofHours(24));

    private final ManualClock clock = new ManualClock();
    private final LoginThrottle throttle = new LoginThrottle(FIVE, 1000, clock);

    private void fail(String key, int times) {
        for (int i = 0; i < times; i++) {
            throttle.failure(key);
        }
    }

    @Test
    void allowsUntilTheFifthFailureThenLocksForOneMinute() {
        fail("bob@example.org", 4);
        assertThat(throttle.allowed("bob@example.org")).isTrue();
        throttle.failure("bob@example.org");
        assertThat(throttle.allowed("bob@example.org")).isFalse();
        assertThat(throttle.lockedUntil("bob@example.org")).contains(clock.instant().plus(Duration.ofMinutes(1)));
        clock.advance(Duration.ofSeconds(59));
        assertThat(throttle.allowed("bob@example.org")).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.allowed("bob@example.org")).isTrue();
    }

    @Test
    void failureSaysWhetherItLockedTheKey() {
        for (int i = 0; i < 4; i++) {
            assertThat(throttle.failure("k")).isFalse();
        }
        assertThat(throttle.failure("k")).isTrue();
    }

    @Test
    void eachFurtherLockDoublesUpToTheMaximum() {
        fail("k", 5);
        Duration expected = Duration.ofMinutes(1);
        for (int lock = 1; lock <= 9; lock++) {
            assertThat(throttle.lockedUntil("k")).as("lock %d", lock).contains(clock.instant().plus(expected));
            clock.advance(expected);
            assertThat(throttle.allowed("k")).isTrue();
            throttle.failure("k");
            expected = expected.multipliedBy(2).compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1)
                    : expected.multipliedBy(2);
        }
        assertThat(throttle.lockedUntil("k")).contains(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void successForgetsTheFailures() {
        fail("k", 4);
        throttle.success("k");
        fail("k", 4);
        assertThat(throttle.allowed("k")).isTrue();
    }

    @Test
    void keysAreIndependent() {
        fail("a", 5);
        assertThat(throttle.allowed("a")).isFalse();
        assertThat(throttle.allowed("b")).isTrue();
    }

    @Test
    void oldFailuresAreForgotten() {
        fail("k", 4);
        clock.advance(Duration.ofHours(25));
        throttle.failure("k");
        assertThat(throttle.allowed("k")).isTrue();
    }

    @Test
    void clientIpPolicyIsMoreLenient() {
        LoginThrottle perIp = new LoginThrottle(LoginThrottle.Policy.CLIENT_IP, 1000, clock);
        for (int i = 0; i < 19; i++) {
            perIp.failure("192.0.2.1");
        }
        assertThat(perIp.allowed("192.0.2.1")).isTrue();
        perIp.failure("192.0.2.1");
        assertThat(perIp.allowed("192.0.2.1")).isFalse();
    }

    @Test
    void memoryIsBoundedByEvictingTheLeastRecentlyUsedKey() {
        LoginThrottle small = new LoginThrottle(FIVE, 3, clock);
        for (int i = 0; i < 5; i++) {
            small.failure("a");
        }
        small.failure("b");
        small.failure("c");
        small.failure("d");
        assertThat(small.size()).isEqualTo(3);
        assertThat(small.allowed("a")).as("the oldest key was evicted").isTrue();
    }
}
