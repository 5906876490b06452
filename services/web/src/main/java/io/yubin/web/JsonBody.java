package io.yubin.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A request body that must be one JSON object with known fields. One field may be a secret: it is
 * read straight into a {@code char[]} (never a {@code String}) and the raw body bytes are zeroed
 * after parsing, so the password does not linger in the request buffer.
 */
final class JsonBody {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<String, JsonNode> fields;
    private final char[] secret;

    private JsonBody(Map<String, JsonNode> fields, char[] secret) {
        this.fields = fields;
        this.secret = secret;
    }

    /** A body without a secret field. */
    static JsonBody parse(Buffer body, Set<String> allowed) {
        return parse(body, allowed, null);
    }

    /**
     * Parses {@code body}; {@code secretField} (or null) is read as a char array. Throws
     * {@link BadRequestException} for anything that is not one object of {@code allowed} fields.
     */
    static JsonBody parse(Buffer body, Set<String> allowed, String secretField) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        Map<String, JsonNode> fields = new HashMap<>();
        char[] secret = null;
        boolean done = false;
        try (JsonParser p = MAPPER.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequestException(null, "request body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!allowed.contains(name) && !name.equals(secretField)) {
                    throw new BadRequestException(name, "unknown field \"" + name + "\"");
                }
                if (fields.containsKey(name) || (name.equals(secretField) && secret != null)) {
                    throw new BadRequestException(name, "field \"" + name + "\" appears twice");
                }
                JsonToken value = p.nextToken();
                if (name.equals(secretField)) {
                    if (value != JsonToken.VALUE_STRING) {
                        p.skipChildren();
                        throw new BadRequestException(name, "field \"" + name + "\" must be a string");
                    }
                    int offset = p.getTextOffset();
                    secret = Arrays.copyOfRange(p.getTextCharacters(), offset, offset + p.getTextLength());
                } else {
                    fields.put(name, p.readValueAsTree());
                }
            }
            if (p.nextToken() != null) {
                throw new BadRequestException(null, "request body must hold exactly one JSON object");
            }
            done = true;
            return new JsonBody(fields, secret);
        } catch (JsonProcessingException e) {
            throw new BadRequestException(null, "request body is not valid JSON");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (secretField != null && body != null) {
                body.setBytes(0, new byte[body.length()]);
            }
            if (!done && secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
    }

    String requiredString(String field) {
        JsonNode node = fields.get(field);
        if (node == null || node.isNull()) {
            throw new BadRequestException(field, "field \"" + field + "\" is required");
        }
        if (!node.isTextual()) {
            throw new BadRequestException(field, "field \"" + field + "\" must be a string");
        }
        return node.textValue();
    }

    /** The string, or null when absent or null. */
    String optionalString(String field) {
        JsonNode node = fields.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new BadRequestException(field, "field \"" + field + "\" must be a string");
        }
        return node.textValue();
    }

    long optionalLong(String field, long absent) {
        JsonNode node = fields.get(field);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new BadRequestException(field, "field \"" + field + "\" must be a whole number");
        }
        return node.longValue();
    }

    /** The array of strings, or an empty list when absent or null. */
    List<String> optionalStrings(String field) {
        JsonNode node = fields.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(item -> out.add(item.isTextual() ? item.textValue() : null));
        }
        if (!node.isArray() || out.contains(null)) {
            throw new BadRequestException(field, "field \"" + field + "\" must be an array of strings");
        }
        return out;
    }

    /** The secret field; valid until {@link #wipe()}. */
    char[] requiredSecret(String field) {
        if (secret == null) {
            throw new BadRequestException(field, "field \"" + field + "\" is required");
        }
        return secret;
    }

    /** Zeroes the secret, once the call that needed it has finished. */
    void wipe() {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }
}
