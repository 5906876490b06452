package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.imap.mime.MimePart;
import io.yubin.store.BlobId;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderFieldsCacheTest {

    private static HeaderFieldsCache.Headers fields(int valueLength) {
        return new HeaderFieldsCache.Headers(List.of(new MimePart.Field("Subject", "x".repeat(valueLength)),
                new MimePart.Field("From", "a@b")), java.util.Arrays.asList(null, null, null));
    }

    @Test
    void keepsFieldsByBlobAndEvictsTheLeastRecentlyUsedBeyondItsBound() {
        HeaderFieldsCache cache = new HeaderFieldsCache(16 * 1024);
        for (int i = 0; i < 10; i++) {
            cache.put(new BlobId("b" + i), fields(300));
        }
        assertThat(cache.bytes()).isLessThanOrEqualTo(16 * 1024);
        assertThat(cache.get(new BlobId("b9"))).isEqualTo(fields(300));
        // Touching b0's successor keeps it while later puts push the others out.
        BlobId kept = new BlobId("b9");
        for (int i = 10; i < 40; i++) {
            cache.get(kept);
            cache.put(new BlobId("b" + i), fields(300));
        }
        assertThat(cache.get(kept)).isNotNull();
        assertThat(cache.get(new BlobId("b0"))).isNull();
        assertThat(cache.bytes()).isLessThanOrEqualTo(16 * 1024);
    }

    @Test
    void refusesAnEntryTooLargeForItsShareAndCountsReplacementsOnce() {
        HeaderFieldsCache cache = new HeaderFieldsCache(16 * 1024);
        cache.put(new BlobId("huge"), fields(8 * 1024));
        assertThat(cache.get(new BlobId("huge"))).isNull();
        assertThat(cache.bytes()).isZero();
        cache.put(new BlobId("b"), fields(10));
        long once = cache.bytes();
        cache.put(new BlobId("b"), fields(10));
        assertThat(cache.bytes()).isEqualTo(once);
    }
}
