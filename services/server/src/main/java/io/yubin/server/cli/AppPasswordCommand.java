package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "app-password", description = "Manage a user's app passwords (one per mail client).",
        mixinStandardHelpOptions = true)
public final class AppPasswordCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Generate an app password; it is shown once, on the last line.",
            mixinStandardHelpOptions = true)
    int add(@Parameters(paramLabel = "ADDRESS") String address,
            @Option(names = "--label", paramLabel = "LABEL", description = "What it is for, e.g. phone.")
            String label,
            @Mixin ClientOptions client) {
        ObjectNode body = object();
        if (label != null) {
            body.put("label", label);
        }
        JsonNode created = client.client().post("/api/v1/users/" + AdminClient.segment(address) + "/app-passwords",
                body);
        PrintWriter out = out();
        out.println("added app password " + created.path("id").asText() + " (" + created.path("label").asText()
                + ") for " + address + "; it is shown only this once:");
        out.println(created.path("password").asText());
        return 0;
    }

    @Command(name = "list", description = "List a user's app passwords, one per line: id, label, creation time.",
            mixinStandardHelpOptions = true)
    int list(@Parameters(paramLabel = "ADDRESS") String address, @Mixin ClientOptions client) {
        PrintWriter out = out();
        for (JsonNode password : client.client()
                .get("/api/v1/users/" + AdminClient.segment(address) + "/app-passwords").path("appPasswords")) {
            out.println(password.path("id").asText() + "\t" + password.path("label").asText() + "\t"
                    + password.path("createdAt").asText());
        }
        return 0;
    }

    @Command(name = "revoke", description = "Revoke one app password.", mixinStandardHelpOptions = true)
    int revoke(@Parameters(index = "0", paramLabel = "ADDRESS") String address,
            @Parameters(index = "1", paramLabel = "ID") String id,
            @Mixin ClientOptions client) {
        client.client().delete("/api/v1/users/" + AdminClient.segment(address) + "/app-passwords/"
                + AdminClient.segment(id));
        out().println("revoked app password " + id + " of " + address);
        return 0;
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
