package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code yubin log levels|level}: the server's logger levels while it runs, through the admin API. */
@Command(name = "log", description = "Read and change the running server's log levels (per logger, e.g. io.yubin.smtp).",
        mixinStandardHelpOptions = true)
public final class LogCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "levels", description = "List the loggers whose level is set, one per line: logger, level.",
            mixinStandardHelpOptions = true)
    int levels(@Mixin ClientOptions client) {
        PrintWriter out = out();
        for (JsonNode logger : client.client().get("/api/v1/loggers").path("loggers")) {
            out.println(logger.path("name").asText() + "\t" + logger.path("level").asText());
        }
        return 0;
    }

    @Command(name = "level", description = "Set a logger's level (TRACE, DEBUG, INFO, WARN, ERROR, OFF), or "
            + "'inherit' to take its parent's again; ROOT is the root logger. Lasts until the server stops.",
            mixinStandardHelpOptions = true)
    int level(@Parameters(paramLabel = "LOGGER") String logger, @Parameters(paramLabel = "LEVEL") String level,
            @Mixin ClientOptions client) {
        ObjectNode body = AdminClient.json().createObjectNode();
        if (level.equalsIgnoreCase("inherit")) {
            body.putNull("level");
        } else {
            body.put("level", level.toUpperCase(Locale.ROOT));
        }
        JsonNode answer = client.client().put("/api/v1/loggers/" + AdminClient.segment(logger), body);
        out().println(answer.path("name").asText() + "\t" + answer.path("level").asText());
        return 0;
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
