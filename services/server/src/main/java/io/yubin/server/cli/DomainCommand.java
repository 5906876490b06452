package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "domain", description = "Manage the local mail domains.", mixinStandardHelpOptions = true)
public final class DomainCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Add a local domain.", mixinStandardHelpOptions = true)
    int add(@Parameters(paramLabel = "NAME", description = "The domain, e.g. example.org.") String name,
            @Mixin ClientOptions client) {
        client.client().post("/api/v1/domains", object().put("name", name));
        out().println("added domain " + name);
        return 0;
    }

    @Command(name = "list", description = "List the local domains, one per line.", mixinStandardHelpOptions = true)
    int list(@Mixin ClientOptions client) {
        PrintWriter out = out();
        for (JsonNode domain : client.client().get("/api/v1/domains").path("domains")) {
            String name = domain.path("name").asText();
            String unicode = domain.path("unicode").asText(name);
            out.println(unicode.isEmpty() || unicode.equals(name) ? name : name + "\t" + unicode);
        }
        return 0;
    }

    @Command(name = "quota", description = "Show a domain's quota (over all its users together) and use; with"
            + " --storage or --messages, set them first (global administrators).", mixinStandardHelpOptions = true)
    int quota(@Parameters(paramLabel = "NAME") String name, @Mixin QuotaOptions limits, @Mixin ClientOptions client) {
        AdminClient api = client.client();
        String path = "/api/v1/domains/" + AdminClient.segment(name) + "/quota";
        QuotaOptions.print(out(), limits.any() ? api.put(path, limits.body()) : api.get(path));
        return 0;
    }

    @Command(name = "remove", description = "Remove a local domain that has no users or aliases left.",
            mixinStandardHelpOptions = true)
    int remove(@Parameters(paramLabel = "NAME") String name, @Mixin ClientOptions client) {
        client.client().delete("/api/v1/domains/" + AdminClient.segment(name));
        out().println("removed domain " + name);
        return 0;
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
