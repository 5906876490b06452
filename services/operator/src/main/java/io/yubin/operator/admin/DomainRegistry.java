package io.yubin.operator.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The mail cluster's domain list, through the admin API (docs/admin-api.md): a domain is
 * registered so SMTP accepts mail for it. Level-based: it reads the list first and changes only
 * what differs. Blocking; called from the reconciler's thread.
 */
public final class DomainRegistry {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final URI base;
    private final HttpClient http;

    public DomainRegistry(URI base) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    /** Registers {@code domain} unless it already is; true when it was added now. */
    public boolean register(String domain, String token) throws RegistrationException {
        if (isRegistered(domain, token)) {
            return false;
        }
        String body;
        try {
            body = JSON.writeValueAsString(JSON.createObjectNode().put("name", domain));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> response = send(request("/api/v1/domains", token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        if (response.statusCode() == 409 && isRegistered(domain, token)) {
            return false;
        }
        expect(response, 201, "register " + domain);
        return true;
    }

    /**
     * Removes {@code domain}; true when it is gone (or never was), false when the server keeps
     * it because users or aliases remain (409), which the caller reports and does not retry.
     */
    public boolean unregister(String domain, String token) throws RegistrationException {
        HttpResponse<String> response = send(request("/api/v1/domains/"
                + URLEncoder.encode(domain, StandardCharsets.UTF_8), token).DELETE());
        if (response.statusCode() == 404) {
            return true;
        }
        if (response.statusCode() == 409) {
            return false;
        }
        expect(response, 204, "unregister " + domain);
        return true;
    }

    public boolean isRegistered(String domain, String token) throws RegistrationException {
        HttpResponse<String> response = send(request("/api/v1/domains", token).GET());
        expect(response, 200, "list the domains");
        try {
            for (JsonNode d : JSON.readTree(response.body()).path("domains")) {
                if (domain.equals(d.path("name").asText())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new RegistrationException("AdminApiError", "the admin API at " + base
                    + " answered the domain list with something that is not JSON", e);
        }
    }

    private HttpRequest.Builder request(String path, String token) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws RegistrationException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RegistrationException("AdminApiUnreachable", "cannot reach the admin API at " + base + " ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "); check the operator's --admin-url and that the yubin pods are up", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistrationException("AdminApiUnreachable", "interrupted", e);
        }
    }

    private void expect(HttpResponse<String> response, int status, String what) throws RegistrationException {
        if (response.statusCode() == status) {
            return;
        }
        if (response.statusCode() == 401) {
            throw new RegistrationException("AdminTokenRejected", "the admin API at " + base
                    + " refused the token (401); check the admin token Secret");
        }
        String error = "";
        try {
            error = JSON.readTree(response.body()).path("error").asText("");
        } catch (IOException notJson) {
            // a proxy's error page: the status says enough
        }
        throw new RegistrationException("AdminApiError", "the admin API could not " + what + ": HTTP "
                + response.statusCode() + (error.isEmpty() ? "" : " " + error));
    }
}
