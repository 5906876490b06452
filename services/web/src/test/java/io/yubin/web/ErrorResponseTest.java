package io.yubin.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.AddressException;
import io.yubin.store.StoreException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorResponseTest {

    @Test
    void mapsEachStoreFailureKindToItsStatusKeepingTheField() {
        assertThat(ErrorResponse.of(StoreException.invalid("password", "too short")))
                .isEqualTo(new ErrorResponse(400, "too short", "password"));
        assertThat(ErrorResponse.of(StoreException.notFound("address", "no such user")))
                .isEqualTo(new ErrorResponse(404, "no such user", "address"));
        assertThat(ErrorResponse.of(StoreException.conflict("target", "loop")))
                .isEqualTo(new ErrorResponse(409, "loop", "target"));
    }

    @Test
    void answersAnUnavailableStoreWith503WithoutItsInternals() {
        ErrorResponse response = ErrorResponse.of(
                StoreException.unavailable("SQLITE_BUSY at /var/lib/yubin/db", new RuntimeException("locked")));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.error()).doesNotContain("SQLITE").doesNotContain("/var/lib");
        assertThat(response.field()).isNull();
    }

    @Test
    void looksThroughCompletionExceptions() {
        assertThat(ErrorResponse.of(new CompletionException(StoreException.conflict("address", "exists"))))
                .isEqualTo(new ErrorResponse(409, "exists", "address"));
    }

    @Test
    void mapsBadRequestsAndAddressErrorsTo400() {
        assertThat(ErrorResponse.of(new BadRequestException("name", "field \"name\" is required")))
                .isEqualTo(new ErrorResponse(400, "field \"name\" is required", "name"));
        assertThat(ErrorResponse.of(new AddressException("domain is empty", 0)))
                .isEqualTo(new ErrorResponse(400, "domain is empty", null));
    }

    @Test
    void hidesTheMessageOfAnUnexpectedFailure() {
        assertThat(ErrorResponse.of(new NullPointerException("internal detail")))
                .isEqualTo(new ErrorResponse(500, "internal error", null));
    }

    @Test
    void describesStatusesSetByTheRouter() {
        assertThat(ErrorResponse.ofStatus(413).error()).isEqualTo("request body is larger than 65536 bytes");
        assertThat(ErrorResponse.ofStatus(404).status()).isEqualTo(404);
        assertThat(ErrorResponse.ofStatus(405).status()).isEqualTo(405);
        assertThat(ErrorResponse.ofStatus(401).status()).isEqualTo(401);
        assertThat(ErrorResponse.ofStatus(503).status()).isEqualTo(500);
    }
}
