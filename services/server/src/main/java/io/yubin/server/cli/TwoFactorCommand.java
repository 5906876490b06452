package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code yubin user 2fa}: TOTP enrolment of mail users (docs/operations.md, "Two-factor authentication"). */
@Command(name = "2fa", description = "Two-factor authentication (TOTP) of a user.", mixinStandardHelpOptions = true,
        footer = {"", "With TOTP enrolled the password no longer logs in to IMAP, POP3 or SMTP: mail clients use"
            + " app passwords (yubin app-password add)."})
public final class TwoFactorCommand extends GroupCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "enable", description = "Enrol the user with a new secret; prints the otpauth URI and a QR code"
            + " to scan, once.", mixinStandardHelpOptions = true)
    int enable(@Parameters(paramLabel = "ADDRESS") String address, @Mixin ClientOptions client) {
        JsonNode enrolment = client.client().post(path(address), object());
        String uri = enrolment.path("uri").asText();
        PrintWriter out = out();
        out.println("two-factor authentication enabled for " + address);
        out.println("secret: " + enrolment.path("secret").asText());
        out.println(uri);
        out.print(TerminalQrCode.render(uri));
        out.println("Scan the code (or type the secret) into an authenticator app, then check a code with:");
        out.println("  yubin user 2fa verify " + address + " CODE");
        out.println("The password no longer logs in to IMAP, POP3 or SMTP: give mail clients app passwords"
                + " (yubin app-password add " + address + ").");
        return 0;
    }

    @Command(name = "disable", description = "Remove the user's enrolment: the password logs in again.",
            mixinStandardHelpOptions = true)
    int disable(@Parameters(paramLabel = "ADDRESS") String address, @Mixin ClientOptions client) {
        client.client().delete(path(address));
        out().println("two-factor authentication disabled for " + address);
        return 0;
    }

    @Command(name = "verify", description = "Check a code from the user's authenticator app (one 30 s step either"
            + " side is accepted); exit status 1 when it is wrong.", mixinStandardHelpOptions = true)
    int verify(@Parameters(paramLabel = "ADDRESS") String address,
            @Parameters(paramLabel = "CODE", description = "The six digits the app shows.") String code,
            @Mixin ClientOptions client) {
        boolean valid = client.client().post(path(address) + "/verify", object().put("code", code))
                .path("valid").asBoolean();
        if (!valid) {
            throw CliException.failed("the code is not valid for " + address + " now");
        }
        out().println("the code is valid for " + address);
        return 0;
    }

    private static String path(String address) {
        return "/api/v1/users/" + AdminClient.segment(address) + "/totp";
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
