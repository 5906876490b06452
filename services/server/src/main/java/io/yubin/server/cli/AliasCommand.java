package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "alias", description = "Manage aliases.", mixinStandardHelpOptions = true)
public final class AliasCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Deliver mail for SOURCE to TARGET as well.", mixinStandardHelpOptions = true)
    int add(@Parameters(index = "0", paramLabel = "SOURCE",
                    description = "An address in a local domain, or @domain for a catch-all.") String source,
            @Parameters(index = "1", paramLabel = "TARGET", description = "Where the mail goes.") String target,
            @Mixin ClientOptions client) {
        client.client().post("/api/v1/aliases", object().put("source", source).put("target", target));
        out().println("added alias " + source + " -> " + target);
        return 0;
    }

    @Command(name = "list", description = "List aliases, one per line: source, target.",
            mixinStandardHelpOptions = true)
    int list(@Option(names = "--domain", paramLabel = "DOMAIN", description = "Only this domain's aliases.")
            String domain,
            @Mixin ClientOptions client) {
        String path = "/api/v1/aliases" + (domain == null ? "" : "?domain=" + AdminClient.query(domain));
        PrintWriter out = out();
        for (JsonNode alias : client.client().get(path).path("aliases")) {
            out.println(alias.path("source").asText() + "\t" + alias.path("target").asText());
        }
        return 0;
    }

    @Command(name = "remove", description = "Remove one target of an alias, or all of them.",
            mixinStandardHelpOptions = true)
    int remove(@Parameters(index = "0", paramLabel = "SOURCE") String source,
            @Parameters(index = "1", paramLabel = "TARGET", arity = "0..1",
                    description = "The target to remove (default: all).") String target,
            @Mixin ClientOptions client) {
        client.client().delete("/api/v1/aliases/" + AdminClient.segment(source)
                + (target == null ? "" : "?target=" + AdminClient.query(target)));
        out().println("removed alias " + source + (target == null ? "" : " -> " + target));
        return 0;
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
