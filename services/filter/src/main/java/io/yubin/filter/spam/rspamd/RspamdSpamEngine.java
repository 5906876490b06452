package io.yubin.filter.spam.rspamd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.yubin.filter.spam.SpamEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * rspamd as a {@link SpamEngine}, over its HTTP API: classifies with the normal worker's
 * {@code /checkv2}, learns (Bayes) through the controller's {@code /learnspam} and
 * {@code /learnham}. The controller must trust the harness's address ({@code secure_ip}, 127.0.0.1
 * in Debian's configuration) as no password is sent.
 */
public final class RspamdSpamEngine implements SpamEngine {

    /**
     * The actions that call a message spam: reject, and the two that mark it for the user's spam
     * folder. "greylist" and "soft reject" only delay a message, and "no action" passes it: ham.
     */
    public static final Set<String> SPAM_ACTIONS = Set.of("reject", "add header", "rewrite subject");
    /** rspamd's answer to a message that its Bayes has learned already, with the same class. */
    private static final int ALREADY_LEARNED = 208;
    /**
     * rspamd's answer when its learn conditions skip the message (Bayes calls it that class already,
     * with a probability near 1): "204 all learn conditions denied learning ...". rspamd 3.4 sends a
     * Content-Length with it, which RFC 9110 §8.6 forbids, and the JDK's HttpClient then fails the
     * exchange with an IOException saying so, which is what {@link #learn} recognizes.
     */
    private static final String DENIED_WITH_CONTENT_LENGTH = "unexpected content length header with 204 response";
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI normal;
    private final URI controller;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();

    /** @param normal the normal worker (http://127.0.0.1:11333) @param controller the controller (http://127.0.0.1:11334) */
    public RspamdSpamEngine(URI normal, URI controller) {
        this.normal = normal;
        this.controller = controller;
    }

    @Override
    public String decision() {
        return "rspamd's action is one of " + String.join(", ", SPAM_ACTIONS.stream().sorted().toList()) + " (" + normal + ")";
    }

    /**
     * One message at a time. A message learned already (a duplicate in the corpus) or skipped by
     * rspamd's learn conditions is not an error: that is rspamd's default training.
     */
    @Override
    public void learn(List<byte[]> messages, boolean spam) {
        URI uri = controller.resolve(spam ? "/learnspam" : "/learnham");
        for (byte[] message : messages) {
            HttpResponse<String> response;
            try {
                response = post(uri, message);
            } catch (UncheckedIOException e) {
                if (DENIED_WITH_CONTENT_LENGTH.equals(e.getCause().getMessage())) {
                    continue;
                }
                throw e;
            }
            if (response.statusCode() != 200 && response.statusCode() != ALREADY_LEARNED) {
                throw new IllegalStateException("rspamd did not learn a message: HTTP " + response.statusCode() + " "
                        + response.body());
            }
        }
    }

    @Override
    public boolean isSpam(byte[] message) {
        HttpResponse<String> response = post(normal.resolve("/checkv2"), message);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("rspamd did not check a message: HTTP " + response.statusCode() + " "
                    + response.body());
        }
        return SPAM_ACTIONS.contains(action(response.body()));
    }

    /** The "action" of a /checkv2 answer. */
    static String action(String json) {
        try {
            JsonNode action = JSON.readTree(json).get("action");
            if (action == null || !action.isTextual()) {
                throw new IllegalArgumentException("no action in the rspamd answer: " + json);
            }
            return action.asText();
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON rspamd answer: " + json, e);
        }
    }

    private HttpResponse<String> post(URI uri, byte[] message) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(message)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("rspamd at " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
