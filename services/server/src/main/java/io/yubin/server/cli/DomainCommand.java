package io.yubin.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.netty.util.NetUtil;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.SpecException;
import io.yubin.operator.crd.MailDomainSpec;
import io.yubin.operator.dkim.DkimKeyPair;
import io.yubin.operator.dns.ClientAutoconfig;
import io.yubin.operator.dns.DnsRecord;
import io.yubin.operator.dns.MailRecords;
import io.yubin.operator.dns.MtaStsPolicy;
import io.yubin.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

    @Command(name = "dns", mixinStandardHelpOptions = true, description = {
        "For a server run without the Kubernetes operator, make on this machine what the operator makes for a"
            + " domain, and print the DNS records to publish, as the operator computes them: a DKIM signing key in"
            + " the server's keys directory (kept when the selector has one), and the MTA-STS policy and the mail"
            + " client configurations (Thunderbird's and Outlook's) in the HTTPS host's directory (mta-sts.*).",
        "The domain's settings are a MailDomain resource's: --spec reads one (the YAML given to kubectl apply, or"
            + " its spec alone); with NAME alone, every default (MX mail.NAME, RSA-2048 DKIM key of selector yubin,"
            + " SPF mx ~all, DMARC p=none, MTA-STS testing)."})
    int dns(@Parameters(paramLabel = "NAME", arity = "0..1", description = "The domain, with the defaults.") String name,
            @Option(names = "--spec", paramLabel = "FILE", description = "A MailDomain resource (YAML).") Path specFile,
            @Option(names = "--address", paramLabel = "IP", description = "The server's public address (repeatable):"
                + " A/AAAA records for the names in the domain that point at it.") List<String> addresses,
            @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.") Path config)
            throws IOException {
        if ((name == null) == (specFile == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give NAME or --spec FILE, one of them");
        }
        DomainSettings domain = settings(name, specFile);
        List<InetAddress> ips = new ArrayList<>();
        for (String address : addresses == null ? List.<String>of() : addresses) {
            InetAddress ip = NetUtil.createInetAddressFromIpAddressString(address); // a literal only, no lookup
            if (ip == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), address + " is not an IP address");
            }
            ips.add(ip);
        }
        ServerConfig server = ConfigFile.load(config);
        Path dataDir = server.dataDir().toAbsolutePath().normalize();
        PrintWriter err = spec.commandLine().getErr();

        String selector = domain.dkim().selector();
        Path keyFile = server.dkim().keysPath(dataDir).resolve(domain.domain()).resolve(selector + ".key");
        DkimKeyPair key;
        if (Files.exists(keyFile)) {
            try {
                key = DkimKeyPair.parse(Files.readString(keyFile, StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                throw CliException.failed(keyFile + " is not a DKIM key this server can use: " + e.getMessage(), e);
            }
            err.println("kept the DKIM key " + keyFile);
        } else {
            key = DkimKeyPair.generate(domain.dkim().algorithm(), domain.dkim().rsaBits(), new SecureRandom());
            write(keyFile, key.privateKeyPem(), true);
            err.println("made the DKIM key " + keyFile + " (" + domain.dkim().algorithm().tag() + ")");
        }

        Path web = server.mtaSts().policiesPath(dataDir);
        MtaStsPolicy policy = MtaStsPolicy.of(domain);
        for (var file : ClientAutoconfig.webFiles(domain, policy).entrySet()) {
            write(web.resolve(file.getKey()), file.getValue(), false);
        }
        err.println("wrote the MTA-STS policy" + (domain.autoconfig().enabled() ? " and the client configurations" : "")
                + " of " + domain.domain() + " in " + web + (server.mtaSts().enabled() ? ""
                        : "; serve them with mta-sts.enabled: true, on port 443"));
        err.println("the TLS certificate must name " + String.join(", ", domain.certificateNames()));
        if (domain.dkim().rotateAfterDays() > 0) {
            err.println("dkim.rotateAfterDays is the operator's: this key is kept until you replace it");
        }

        PrintWriter out = out();
        for (DnsRecord record : MailRecords.of(domain, List.of(new MailRecords.DkimRecord(selector, key.record())),
                policy, ips)) {
            out.println(record);
        }
        return 0;
    }

    private DomainSettings settings(String name, Path specFile) {
        try {
            if (specFile == null) {
                return DomainSettings.of(name, new MailDomainSpec(name, null, null, null, null, null, null, null, null,
                        null, null));
            }
            // a file of several documents (as kubectl takes them): its MailDomain; one document: that
            YAMLMapper yaml = new YAMLMapper();
            List<JsonNode> documents = yaml.readValues(yaml.createParser(specFile.toFile()), JsonNode.class).readAll();
            List<JsonNode> domains = documents.stream().filter(d -> "MailDomain".equals(d.path("kind").asText())).toList();
            if (domains.size() > 1) {
                throw CliException.failed(specFile + " holds " + domains.size() + " MailDomains; give a file of one");
            }
            JsonNode document = !domains.isEmpty() ? domains.get(0) : documents.size() == 1 ? documents.get(0) : null;
            if (document == null || !document.isObject()) {
                throw CliException.failed(specFile + " holds no MailDomain");
            }
            JsonNode specNode = document.has("spec") ? document.get("spec") : document;
            String resource = document.path("metadata").path("name").asText("");
            MailDomainSpec parsed = AdminClient.json().treeToValue(specNode, MailDomainSpec.class);
            String domainName = parsed.domain() == null ? "" : parsed.domain();
            return DomainSettings.of(resource.isEmpty() ? domainName.replace('.', '-') : resource, parsed);
        } catch (SpecException e) {
            throw CliException.failed((specFile == null ? name : specFile) + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw CliException.failed(specFile + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Written whole or not at all (a file beside it, then renamed); a private key readable by its owner only. */
    private static void write(Path file, String text, boolean secret) throws IOException {
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        if (secret && partial.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    CommandSpec spec() {
        return spec;
    }
}
