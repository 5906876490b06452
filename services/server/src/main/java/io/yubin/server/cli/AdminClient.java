package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client of the admin HTTP API: JSON in and out, errors as {@link CliException}s. */
public final class AdminClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String token;
    private final HttpClient http;

    /** {@code token} null sends no Authorization header (opening a session). */
    public AdminClient(URI base, String token) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** One path segment, percent-encoded (RFC 3986 §3.3; '@' is a valid segment character). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("%40", "@");
    }

    public static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public JsonNode get(String path) {
        return send(request(path).GET());
    }

    public JsonNode post(String path, JsonNode body) {
        return send(request(path).POST(body(body)).header("Content-Type", "application/json"));
    }

    public JsonNode put(String path, JsonNode body) {
        return send(request(path).PUT(body(body)).header("Content-Type", "application/json"));
    }

    public JsonNode delete(String path) {
        return send(request(path).DELETE());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    private static HttpRequest.BodyPublisher body(JsonNode body) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw CliException.failed("cannot encode the request: " + e.getMessage(), e);
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String reason = e instanceof java.net.http.HttpConnectTimeoutException ? "connection timed out"
                    : e instanceof java.net.ConnectException ? "connection refused"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw CliException.unreachable("cannot reach the yubin server at " + base + " (" + reason
                    + "); is `yubin serve` running there?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted", e);
        }
        JsonNode body = parse(response.body());
        if (response.statusCode() >= 400) {
            String error = body.path("error").asText("");
            if (error.isEmpty()) {
                error = "the server answered HTTP " + response.statusCode();
            }
            if (response.statusCode() == 401 && token != null) {
                error += " (check --token, YUBIN_ADMIN_TOKEN or the server's <data-dir>/admin-token)";
            }
            throw CliException.failed(error);
        }
        return body;
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            // Not JSON (say, a proxy's error page): the caller falls back to the status code.
            return MissingNode.getInstance();
        }
    }
}
