package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "queue", description = "Show and manage the mail waiting for delivery.", mixinStandardHelpOptions = true,
        footer = {"", "A message stays in the queue until every recipient is delivered or failed; see docs/outbound.md."})
public final class QueueCommand extends GroupCommand {

    /** Entries asked for per request; the API's maximum. */
    static final int PAGE = 1000;

    @Spec
    CommandSpec spec;

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the queue, oldest first: one line per recipient, tab-separated:",
                "ID, received, sender (<> for a notification), recipient, status, attempts, next attempt, last reply."})
    int list(@Mixin ClientOptions client) {
        AdminClient api = client.client();
        PrintWriter out = out();
        String after = null;
        while (true) {
            JsonNode entries = api.get("/api/v1/queue?limit=" + PAGE
                    + (after == null ? "" : "&after=" + AdminClient.query(after))).path("entries");
            for (JsonNode entry : entries) {
                for (JsonNode r : entry.path("recipients")) {
                    out.println(String.join("\t", entry.path("id").asText(), entry.path("receivedAt").asText(),
                            sender(entry), r.path("address").asText(), r.path("status").asText(),
                            r.path("attempts").asText(), text(r.path("nextAttempt")), text(r.path("lastResult"))));
                }
                after = entry.path("id").asText();
            }
            if (entries.size() < PAGE) {
                return 0;
            }
        }
    }

    @Command(name = "show", description = "Show one queued message: envelope, client and each recipient's state.",
            mixinStandardHelpOptions = true)
    int show(@Parameters(paramLabel = "ID", description = "The queue id, as `yubin queue list` shows it.") String id,
            @Mixin ClientOptions client) {
        JsonNode entry = client.client().get("/api/v1/queue/" + AdminClient.segment(id));
        PrintWriter out = out();
        out.println("id:         " + entry.path("id").asText());
        out.println("received:   " + entry.path("receivedAt").asText());
        out.println("sender:     " + sender(entry));
        out.println("size:       " + entry.path("size").asText() + " octets");
        JsonNode c = entry.path("client");
        out.println("client:     " + c.path("helo").asText() + " [" + c.path("address").asText() + "]"
                + (c.path("authenticatedUser").isTextual() ? " as " + c.path("authenticatedUser").asText() : ""));
        List<String> parameters = new ArrayList<>();
        parameters.add("BODY=" + entry.path("body").asText());
        if (entry.path("smtpUtf8").asBoolean()) {
            parameters.add("SMTPUTF8");
        }
        if (entry.path("ret").isTextual()) {
            parameters.add("RET=" + entry.path("ret").asText());
        }
        if (entry.path("envId").isTextual()) {
            parameters.add("ENVID=" + entry.path("envId").asText());
        }
        out.println("parameters: " + String.join(" ", parameters));
        for (JsonNode r : entry.path("recipients")) {
            out.println("recipient:  " + r.path("address").asText());
            StringBuilder status = new StringBuilder(r.path("status").asText())
                    .append(", ").append(r.path("attempts").asInt()).append(" attempt")
                    .append(r.path("attempts").asInt() == 1 ? "" : "s");
            if (r.path("nextAttempt").isTextual()) {
                status.append(", next ").append(r.path("nextAttempt").asText());
            }
            out.println("  status:     " + status);
            if (r.path("lastResult").isTextual()) {
                out.println("  last reply: " + r.path("lastResult").asText());
            }
            if (r.path("delayReported").asBoolean()) {
                out.println("  the sender was told of the delay");
            }
            if (r.path("notify").size() > 0) {
                List<String> notify = new ArrayList<>();
                r.path("notify").forEach(n -> notify.add(n.asText()));
                out.println("  notify:     " + String.join(",", notify));
            }
        }
        return 0;
    }

    @Command(name = "retry", description = "Try the deferred recipients of a queued message again now"
            + " (within the spool sweep's interval).", mixinStandardHelpOptions = true)
    int retry(@Parameters(paramLabel = "ID") String id, @Mixin ClientOptions client) {
        JsonNode retried = client.client().post("/api/v1/queue/" + AdminClient.segment(id) + "/retry", object())
                .path("retried");
        if (retried.isEmpty()) {
            out().println("nothing to retry in " + id + ": no recipient is deferred");
            return 0;
        }
        List<String> addresses = new ArrayList<>();
        retried.forEach(a -> addresses.add(a.asText()));
        out().println("retrying " + id + " for " + String.join(", ", addresses));
        return 0;
    }

    @Command(name = "delete", description = "Remove a message from the queue; its undelivered recipients get"
            + " nothing, and no notification is sent.", mixinStandardHelpOptions = true)
    int delete(@Parameters(paramLabel = "ID") String id, @Mixin ClientOptions client) {
        client.client().delete("/api/v1/queue/" + AdminClient.segment(id));
        out().println("deleted " + id);
        return 0;
    }

    private static String sender(JsonNode entry) {
        String sender = entry.path("sender").asText();
        return sender.isEmpty() ? "<>" : sender;
    }

    private static String text(JsonNode value) {
        return value.isTextual() ? value.asText() : "-";
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
