package io.yubin.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonBodyTest {

    @Test
    void readsTheSecretAsCharactersAndWipesThem() {
        JsonBody body = JsonBody.parse(Buffer.buffer("{\"password\":\"s3cr\\u00e9t \\\"q\\\"\"}"), Set.of(), "password");

        char[] secret = body.requiredSecret("password");
        assertThat(new String(secret)).isEqualTo("s3crét \"q\"");

        body.wipe();
        assertThat(secret).containsOnly('\0');
    }

    @Test
    void zeroesTheRequestBytesOfABodyWithASecret() {
        Buffer raw = Buffer.buffer("{\"password\":\"correct horse battery\"}");

        JsonBody.parse(raw, Set.of(), "password");

        assertThat(raw.getBytes()).containsOnly((byte) 0);
    }

    @Test
    void keepsTheRequestBytesOfABodyWithoutASecret() {
        Buffer raw = Buffer.buffer("{\"name\":\"example.test\"}");

        JsonBody.parse(raw, Set.of("name"), null);

        assertThat(raw.toString()).isEqualTo("{\"name\":\"example.test\"}");
    }

    @Test
    void readsStringsAndNumbers() {
        JsonBody body = JsonBody.parse(Buffer.buffer("{\"address\":\"a@b.test\",\"quotaBytes\":5000000000}"),
                Set.of("address", "quotaBytes", "label"));

        assertThat(body.requiredString("address")).isEqualTo("a@b.test");
        assertThat(body.optionalLong("quotaBytes", 0)).isEqualTo(5_000_000_000L);
        assertThat(body.optionalString("label")).isNull();
    }

    @Test
    void treatsNullAsAbsent() {
        JsonBody body = JsonBody.parse(Buffer.buffer("{\"quotaBytes\":null,\"label\":null}"),
                Set.of("quotaBytes", "label"));

        assertThat(body.optionalLong("quotaBytes", 7)).isEqualTo(7);
        assertThat(body.optionalString("label")).isNull();
        assertBadRequest(() -> body.requiredString("label"), "label", "field \"label\" is required");
    }

    @Test
    void namesAMissingField() {
        JsonBody body = JsonBody.parse(Buffer.buffer("{}"), Set.of("name"), "password");

        assertBadRequest(() -> body.requiredString("name"), "name", "field \"name\" is required");
        assertBadRequest(() -> body.requiredSecret("password"), "password", "field \"password\" is required");
    }

    @Test
    void namesAFieldOfTheWrongType() {
        JsonBody body = JsonBody.parse(Buffer.buffer("{\"name\":1,\"quotaBytes\":1.5,\"label\":{}}"),
                Set.of("name", "quotaBytes", "label"));

        assertBadRequest(() -> body.requiredString("name"), "name", "field \"name\" must be a string");
        assertBadRequest(() -> body.optionalLong("quotaBytes", 0), "quotaBytes",
                "field \"quotaBytes\" must be a whole number");
        assertBadRequest(() -> body.optionalString("label"), "label", "field \"label\" must be a string");
    }

    @Test
    void rejectsANumberTooLargeForALong() {
        JsonBody body = JsonBody.parse(Buffer.buffer("{\"quotaBytes\":99999999999999999999}"), Set.of("quotaBytes"));

        assertBadRequest(() -> body.optionalLong("quotaBytes", 0), "quotaBytes",
                "field \"quotaBytes\" must be a whole number");
    }

    @Test
    void rejectsASecretThatIsNotAString() {
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{\"password\":[\"x\"]}"), Set.of(), "password"),
                "password", "field \"password\" must be a string");
    }

    @Test
    void rejectsUnknownAndRepeatedFields() {
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{\"nmae\":\"x\"}"), Set.of("name")),
                "nmae", "unknown field \"nmae\"");
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{\"name\":\"x\",\"name\":\"y\"}"), Set.of("name")),
                "name", "field \"name\" appears twice");
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{\"password\":\"x\",\"password\":\"y\"}"), Set.of(),
                "password"), "password", "field \"password\" appears twice");
    }

    @Test
    void rejectsAnythingButOneObject() {
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer(""), Set.of()), null, "request body must be a JSON object");
        assertBadRequest(() -> JsonBody.parse(null, Set.of()), null, "request body must be a JSON object");
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("[]"), Set.of()), null,
                "request body must be a JSON object");
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{} {}"), Set.of()), null,
                "request body must hold exactly one JSON object");
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{\"name\":"), Set.of("name")), null,
                "request body is not valid JSON");
        assertBadRequest(() -> JsonBody.parse(Buffer.buffer("{name:1}"), Set.of("name")), null,
                "request body is not valid JSON");
    }

    private static void assertBadRequest(Runnable action, String field, String message) {
        assertThatThrownBy(action::run)
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessage(message);
    }
}
