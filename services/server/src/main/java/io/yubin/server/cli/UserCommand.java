package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.yubin.model.AddressException;
import io.yubin.model.MailAddress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "user", description = "Manage user accounts.", mixinStandardHelpOptions = true,
        subcommands = TwoFactorCommand.class,
        footer = {"", "Passwords are read from the terminal (asked twice, not echoed) or, without a terminal,"
            + " as one line from standard input; never from the command line."})
public final class UserCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Add a user; asks for the password.", mixinStandardHelpOptions = true)
    int add(@Parameters(paramLabel = "ADDRESS", description = "The user's address, e.g. alice@example.org.")
            String address,
            @Option(names = "--quota", paramLabel = "SIZE", converter = QuotaOptions.Size.class,
                    description = "Storage quota: bytes, or with a K, M, G or T suffix (default: none).")
            Long quota,
            @Option(names = "--messages", paramLabel = "COUNT", converter = QuotaOptions.Count.class,
                    description = "Message-count quota (default: none).")
            Long messages,
            @Mixin ClientOptions client) {
        AdminClient api = client.client();
        checkAddress(address);
        char[] password = passwords().readNew("Password for " + address);
        ObjectNode body = object().put("address", address).put("password", new String(password));
        if (quota != null) {
            body.put("quotaBytes", quota);
        }
        if (messages != null) {
            body.put("quotaMessages", messages);
        }
        JsonNode added = api.post("/api/v1/users", body);
        out().println("added user " + address);
        List<String> roles = new ArrayList<>();
        added.path("roleAliases").forEach(role -> roles.add(role.asText()));
        if (!roles.isEmpty()) {
            out().println(String.join(" and ", roles) + " now go to " + address + ": every domain takes mail for"
                    + " them (RFC 5321 §4.5.1, RFC 2142); point them elsewhere with yubin alias");
        }
        return 0;
    }

    @Command(name = "passwd", description = "Change a user's password; asks for the new one.",
            mixinStandardHelpOptions = true)
    int passwd(@Parameters(paramLabel = "ADDRESS") String address, @Mixin ClientOptions client) {
        AdminClient api = client.client();
        checkAddress(address);
        char[] password = passwords().readNew("New password for " + address);
        api.put("/api/v1/users/" + AdminClient.segment(address) + "/password",
                object().put("password", new String(password)));
        out().println("changed the password of " + address);
        return 0;
    }

    @Command(name = "quota", description = "Show a user's quota and use; with --storage or --messages, set them first.",
            mixinStandardHelpOptions = true)
    int quota(@Parameters(paramLabel = "ADDRESS") String address, @Mixin QuotaOptions limits,
            @Mixin ClientOptions client) {
        AdminClient api = client.client();
        checkAddress(address);
        String path = "/api/v1/users/" + AdminClient.segment(address) + "/quota";
        QuotaOptions.print(out(), limits.any() ? api.put(path, limits.body()) : api.get(path));
        return 0;
    }

    @Command(name = "list", description = "List users, one per line: address, storage quota in bytes (0: none), creation"
            + " time, message-count quota (0: none).",
            mixinStandardHelpOptions = true)
    int list(@Option(names = "--domain", paramLabel = "DOMAIN", description = "Only this domain's users.")
            String domain,
            @Mixin ClientOptions client) {
        String path = "/api/v1/users" + (domain == null ? "" : "?domain=" + AdminClient.query(domain));
        PrintWriter out = out();
        for (JsonNode user : client.client().get(path).path("users")) {
            out.println(user.path("address").asText() + "\t" + user.path("quotaBytes").asLong() + "\t"
                    + user.path("createdAt").asText() + "\t" + user.path("quotaMessages").asLong());
        }
        return 0;
    }

    @Command(name = "remove", description = "Remove a user with its mailboxes, app passwords and the aliases to it.",
            mixinStandardHelpOptions = true)
    int remove(@Parameters(paramLabel = "ADDRESS") String address, @Mixin ClientOptions client) {
        JsonNode removed = client.client().delete("/api/v1/users/" + AdminClient.segment(address));
        out().println("removed user " + address);
        for (JsonNode role : removed.path("roleAliases")) {
            out().println(role.path("source").asText() + " now goes to " + role.path("target").asText()
                    + ", the earliest user of its domain: it must reach someone (RFC 5321 §4.5.1, RFC 2142);"
                    + " point it elsewhere with yubin alias");
        }
        return 0;
    }

    @Command(name = "unlock", description = "Lift the lock set on an account after too many failed logins, and forget"
            + " its failures.", mixinStandardHelpOptions = true)
    int unlock(@Parameters(paramLabel = "ADDRESS") String address, @Mixin ClientOptions client) {
        client.client().delete("/api/v1/users/" + AdminClient.segment(address) + "/lock");
        out().println("unlocked " + address);
        return 0;
    }

    @Command(name = "locks", description = "List locked accounts, one per line: address, locked until, locked at,"
            + " client address of the failure that locked it.", mixinStandardHelpOptions = true)
    int locks(@Mixin ClientOptions client) {
        PrintWriter out = out();
        for (JsonNode lock : client.client().get("/api/v1/locks").path("locks")) {
            out.println(lock.path("address").asText() + "\t" + lock.path("until").asText() + "\t"
                    + lock.path("lockedAt").asText() + "\t" + lock.path("client").asText());
        }
        return 0;
    }

    /** Refuses a malformed address before asking for a password; the server checks the rest. */
    private static void checkAddress(String address) {
        try {
            MailAddress.parse(address);
        } catch (AddressException e) {
            throw CliException.failed("invalid address \"" + address + "\": " + e.getMessage());
        }
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
