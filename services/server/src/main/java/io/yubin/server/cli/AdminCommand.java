package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code yubin admin}: named administrators of the admin API (docs/operations.md, "Administrators and the audit log"). */
@Command(name = "admin", description = "Manage named administrators and open admin API sessions.",
        mixinStandardHelpOptions = true,
        footer = {"", "Every administrator has a password and TOTP (enrolled by `add`); `login` opens a session of"
            + " admin.session-minutes and prints its token, which the other commands take from --token or"
            + " $YUBIN_ADMIN_TOKEN:", "  export YUBIN_ADMIN_TOKEN=$(yubin admin login ops-alice)"})
public final class AdminCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Add an administrator; asks for the password, enrols TOTP and prints the"
            + " otpauth URI and a QR code to scan, once.", mixinStandardHelpOptions = true)
    int add(@Parameters(paramLabel = "NAME", description = "e.g. ops-alice: a-z, 0-9, '.', '_', '-'.") String name,
            @Option(names = "--role", required = true, paramLabel = "ROLE",
                    description = "global (everything) or domain (users, aliases, app passwords, locks and"
                            + " two-factor enrolments of its --domain domains).") String role,
            @Option(names = "--domain", paramLabel = "DOMAIN", description = "A domain a domain administrator"
                    + " manages; repeat for more.") List<String> domains,
            @Mixin ClientOptions client) {
        List<String> given = roleDomains(role, domains);
        AdminClient api = client.client();
        char[] password = passwords().readNew("Password for " + name);
        ObjectNode body = object().put("name", name).put("password", new String(password)).put("role", role);
        Arrays.fill(password, '\0');
        ArrayNode array = body.putArray("domains");
        given.forEach(array::add);
        JsonNode created = api.post("/api/v1/admins", body);
        PrintWriter out = out();
        out.println("added administrator " + name + " (" + role + (given.isEmpty() ? "" : " of "
                + String.join(", ", given)) + ")");
        printEnrolment(out, created);
        out.println("Then open a session with: yubin admin login " + name);
        return 0;
    }

    @Command(name = "passwd", description = "Change an administrator's password (global administrators: anyone's;"
            + " others: their own); asks for the new one. Its sessions end.", mixinStandardHelpOptions = true)
    int passwd(@Parameters(paramLabel = "NAME") String name, @Mixin ClientOptions client) {
        AdminClient api = client.client();
        char[] password = passwords().readNew("New password for " + name);
        ObjectNode body = object().put("password", new String(password));
        Arrays.fill(password, '\0');
        api.put("/api/v1/admins/" + AdminClient.segment(name) + "/password", body);
        out().println("changed the password of administrator " + name + "; its sessions ended");
        return 0;
    }

    @Command(name = "totp-reset", description = "Enrol an administrator's TOTP afresh (a lost authenticator) and"
            + " print the new otpauth URI and QR code, once. Its sessions end.", mixinStandardHelpOptions = true)
    int totpReset(@Parameters(paramLabel = "NAME") String name, @Mixin ClientOptions client) {
        JsonNode enrolled = client.client().post("/api/v1/admins/" + AdminClient.segment(name) + "/totp", object());
        PrintWriter out = out();
        out.println("enrolled TOTP afresh for administrator " + name + "; its sessions ended");
        printEnrolment(out, enrolled);
        return 0;
    }

    @Command(name = "role", description = "Change an administrator's role and domains (global administrators only)."
            + " Its sessions end.", mixinStandardHelpOptions = true)
    int role(@Parameters(paramLabel = "NAME") String name,
            @Option(names = "--role", required = true, paramLabel = "ROLE", description = "global or domain.") String role,
            @Option(names = "--domain", paramLabel = "DOMAIN", description = "A domain a domain administrator"
                    + " manages; repeat for more.") List<String> domains,
            @Mixin ClientOptions client) {
        List<String> given = roleDomains(role, domains);
        ObjectNode body = object().put("role", role);
        ArrayNode array = body.putArray("domains");
        given.forEach(array::add);
        client.client().put("/api/v1/admins/" + AdminClient.segment(name) + "/role", body);
        out().println("administrator " + name + " is now " + role + (given.isEmpty() ? "" : " of "
                + String.join(", ", given)) + "; its sessions ended");
        return 0;
    }

    /** The --domain list a --role takes: none for global, at least one for domain. */
    private static List<String> roleDomains(String role, List<String> domains) {
        List<String> given = domains == null ? List.of() : domains;
        if (!role.equals("global") && !role.equals("domain")) {
            throw CliException.failed("--role must be global or domain");
        }
        if (role.equals("domain") && given.isEmpty()) {
            throw CliException.failed("a domain administrator needs at least one --domain");
        }
        if (role.equals("global") && !given.isEmpty()) {
            throw CliException.failed("a global administrator manages every domain: give no --domain");
        }
        return given;
    }

    private static void printEnrolment(PrintWriter out, JsonNode enrolled) {
        String uri = enrolled.path("uri").asText();
        out.println("TOTP secret: " + enrolled.path("secret").asText());
        out.println(uri);
        out.print(TerminalQrCode.render(uri));
        out.println("Scan the code (or type the secret) into an authenticator app now: it is not shown again.");
    }

    @Command(name = "list", description = "List administrators, one per line: name, role, domains, creation time.",
            mixinStandardHelpOptions = true)
    int list(@Mixin ClientOptions client) {
        PrintWriter out = out();
        for (JsonNode admin : client.client().get("/api/v1/admins").path("admins")) {
            List<String> domains = new ArrayList<>();
            admin.path("domains").forEach(d -> domains.add(d.asText()));
            out.println(admin.path("name").asText() + "\t" + admin.path("role").asText() + "\t"
                    + (domains.isEmpty() ? "*" : String.join(",", domains)) + "\t" + admin.path("createdAt").asText());
        }
        return 0;
    }

    @Command(name = "remove", description = "Remove an administrator; its sessions end at once.",
            mixinStandardHelpOptions = true)
    int remove(@Parameters(paramLabel = "NAME") String name, @Mixin ClientOptions client) {
        client.client().delete("/api/v1/admins/" + AdminClient.segment(name));
        out().println("removed administrator " + name);
        return 0;
    }

    @Command(name = "unlock", description = "Lift the lock set on an administrator after too many failed logins.",
            mixinStandardHelpOptions = true)
    int unlock(@Parameters(paramLabel = "NAME") String name, @Mixin ClientOptions client) {
        client.client().delete("/api/v1/admins/" + AdminClient.segment(name) + "/lock");
        out().println("unlocked administrator " + name);
        return 0;
    }

    @Command(name = "login", description = "Open an admin API session; asks for the password and the TOTP code and"
            + " prints the session token alone on standard output.", mixinStandardHelpOptions = true)
    int login(@Parameters(paramLabel = "NAME") String name, @Mixin ClientOptions client) {
        AdminClient api = client.clientWithoutToken();
        char[] password = passwords().readExisting("Password for " + name);
        String code = passwords().readVisible("TOTP code for " + name);
        ObjectNode body = object().put("name", name).put("password", new String(password)).put("code", code);
        Arrays.fill(password, '\0');
        JsonNode session;
        try {
            session = api.post("/api/v1/sessions", body);
        } catch (CliException e) {
            throw CliException.failed("no session for " + name + ": " + e.getMessage(), e);
        }
        out().println(session.path("token").asText());
        spec.commandLine().getErr().println("session of " + name + " until " + session.path("expiresAt").asText()
                + "; use the token with --token or YUBIN_ADMIN_TOKEN, end it with"
                + " `yubin admin logout`");
        return 0;
    }

    @Command(name = "logout", description = "End the session whose token --token or $YUBIN_ADMIN_TOKEN gives.",
            mixinStandardHelpOptions = true)
    int logout(@Mixin ClientOptions client) {
        client.client().delete("/api/v1/sessions");
        out().println("session ended");
        return 0;
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
