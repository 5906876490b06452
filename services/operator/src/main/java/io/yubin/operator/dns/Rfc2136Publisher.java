package io.yubin.operator.dns;

import io.yubin.operator.crd.MailDomainStatus.RecordStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * Publishes through RFC 2136 dynamic updates signed with TSIG (RFC 8945), over TCP to the zone's
 * primary. It first asks the server what each name holds, then sends one update with only the
 * differences: records to add, and records it added earlier that are no longer wanted. It deletes
 * single records (RFC 2136 §2.5.4), never whole RRsets, so records added by others beside its
 * own stay. The update is applied all or nothing (§3.7).
 */
public final class Rfc2136Publisher implements DnsPublisher {

    private final String server;
    private final int port;
    private final Name zone;
    private final TSIG tsig;
    private final String keyName;
    private final Duration timeout;

    /**
     * @param algorithm hmac-sha256, hmac-sha384 or hmac-sha512
     * @param secret the key's secret in base64, as tsig-keygen writes it
     */
    public Rfc2136Publisher(String server, int port, String zone, String keyName, String algorithm, String secret,
            Duration timeout) throws DnsPublishException {
        this.server = server;
        this.port = port;
        this.timeout = timeout;
        this.keyName = keyName;
        try {
            this.zone = Name.fromString(zone, Name.root);
            Name algorithmName = switch (algorithm) {
                case "hmac-sha256" -> TSIG.HMAC_SHA256;
                case "hmac-sha384" -> TSIG.HMAC_SHA384;
                case "hmac-sha512" -> TSIG.HMAC_SHA512;
                default -> throw new IllegalArgumentException("unknown TSIG algorithm " + algorithm);
            };
            this.tsig = new TSIG(algorithmName, keyName, secret.strip());
        } catch (TextParseException e) {
            throw new DnsPublishException("DnsError", "zone " + zone + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new DnsPublishException("DnsAuthFailed", "the TSIG secret of key " + keyName
                    + " is not base64 (" + e.getMessage() + "); put the secret as tsig-keygen prints it in the Secret", e);
        }
    }

    @Override
    public Outcome publish(List<DnsRecord> desired, List<RecordStatus> previous) throws DnsPublishException {
        Map<Record, DnsRecord> wanted = new LinkedHashMap<>();
        for (DnsRecord record : desired) {
            wanted.put(toRecord(record), record);
        }
        Set<Record> managedBefore = new HashSet<>();
        for (RecordStatus status : previous) {
            if (Boolean.TRUE.equals(status.managed())) {
                managedBefore.add(toRecord(new DnsRecord(status.name(), status.type(),
                        status.ttl() == null ? 0 : status.ttl(), status.value())));
            }
        }
        Set<Record> present = lookup(union(wanted.keySet(), managedBefore));

        Update update = new Update(zone);
        int changes = 0;
        Set<Record> managedAfter = new HashSet<>();
        for (Record record : managedBefore) {
            if (!wanted.containsKey(record) && present.contains(record)) {
                update.delete(record);
                changes++;
            }
        }
        for (Record record : wanted.keySet()) {
            Record existing = find(present, record);
            if (existing == null) {
                update.add(record);
                managedAfter.add(record);
                changes++;
            } else {
                if (managedBefore.contains(record)) {
                    managedAfter.add(record);
                }
                if (existing.getTTL() != record.getTTL() && managedBefore.contains(record)) {
                    // RFC 2136 §3.4.2: the update's sections apply in order, so delete then add resets the TTL
                    update.delete(record);
                    update.add(record);
                    changes++;
                }
            }
        }
        if (changes > 0) {
            send(update);
        }
        List<RecordStatus> records = new ArrayList<>();
        for (Map.Entry<Record, DnsRecord> e : wanted.entrySet()) {
            DnsRecord r = e.getValue();
            records.add(new RecordStatus(r.name(), r.type(), r.ttl(), r.value(), true, managedAfter.contains(e.getKey())));
        }
        return new Outcome(records, changes);
    }

    @Override
    public void remove(List<RecordStatus> previous) throws DnsPublishException {
        Set<Record> managed = new LinkedHashSet<>();
        for (RecordStatus status : previous) {
            if (Boolean.TRUE.equals(status.managed())) {
                managed.add(toRecord(new DnsRecord(status.name(), status.type(),
                        status.ttl() == null ? 0 : status.ttl(), status.value())));
            }
        }
        Set<Record> present = lookup(managed);
        Update update = new Update(zone);
        int changes = 0;
        for (Record record : managed) {
            if (present.contains(record)) {
                update.delete(record);
                changes++;
            }
        }
        if (changes > 0) {
            send(update);
        }
    }

    /** Adds one TXT record (an ACME DNS-01 challenge, RFC 8555 §8.4), outside the records status lists. */
    public void addTxt(String name, String text, long ttl) throws DnsPublishException {
        Update update = new Update(zone);
        update.add(toRecord(DnsRecord.txt(name, ttl, text)));
        send(update);
    }

    /** Deletes the one TXT record {@link #addTxt} added. */
    public void deleteTxt(String name, String text) throws DnsPublishException {
        Update update = new Update(zone);
        update.delete(toRecord(DnsRecord.txt(name, 0, text)));
        send(update);
    }

    /** The records the server holds now at each name and type of {@code records}. */
    Set<Record> lookup(Set<Record> records) throws DnsPublishException {
        Map<String, Record> questions = new LinkedHashMap<>();
        for (Record record : records) {
            questions.putIfAbsent(record.getName() + "/" + record.getType(), record);
        }
        SimpleResolver resolver = resolver();
        Set<Record> present = new HashSet<>();
        for (Record question : questions.values()) {
            Message query = Message.newQuery(Record.newRecord(question.getName(), question.getType(), DClass.IN));
            Message answer = exchange(resolver, query, "query " + question.getName() + " "
                    + Type.string(question.getType()));
            int rcode = answer.getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                throw new DnsPublishException("DnsError", "the server " + where() + " answered "
                        + Rcode.string(rcode) + " to a query for " + question.getName() + " "
                        + Type.string(question.getType()) + "; is it the primary of zone " + zone + "?");
            }
            if (!answer.getHeader().getFlag(Flags.AA)) {
                throw new DnsPublishException("DnsError", "the server " + where() + " is not authoritative for "
                        + question.getName() + "; name the primary of zone " + zone + " in spec.dns.rfc2136.server");
            }
            for (Record record : answer.getSection(Section.ANSWER)) {
                if (record.getType() == question.getType() && record.getName().equals(question.getName())) {
                    present.add(record);
                }
            }
        }
        return present;
    }

    private void send(Update update) throws DnsPublishException {
        SimpleResolver resolver = resolver();
        resolver.setTSIGKey(tsig);
        Message response = exchange(resolver, update, "update of zone " + zone);
        int rcode = response.getRcode();
        if (rcode == Rcode.NOTAUTH || rcode == Rcode.BADSIG || rcode == Rcode.BADKEY) {
            throw new DnsPublishException("DnsAuthFailed", "the server " + where() + " did not accept TSIG key "
                    + keyName + " (" + Rcode.string(rcode) + "): check the key name, the algorithm and the secret,"
                    + " and that the server is the primary of zone " + zone);
        }
        if (rcode == Rcode.REFUSED) {
            throw new DnsPublishException("DnsRefused", "the server " + where() + " refused the update of zone " + zone
                    + " (REFUSED): allow key " + keyName + " to update it (update-policy or allow-update); BIND also"
                    + " refuses an MX whose target inside the zone has no A or AAAA record, so set spec.addressesFrom"
                    + " or add those records");
        }
        if (rcode != Rcode.NOERROR) {
            throw new DnsPublishException("DnsError", "the server " + where() + " answered " + Rcode.string(rcode)
                    + " to the update of zone " + zone);
        }
        if (!response.isVerified()) {
            throw new DnsPublishException("DnsAuthFailed", "the answer of " + where()
                    + " to the update is not signed with key " + keyName);
        }
    }

    private Message exchange(SimpleResolver resolver, Message message, String what) throws DnsPublishException {
        try {
            return resolver.send(message);
        } catch (SocketTimeoutException e) {
            throw new DnsPublishException("DnsUnreachable", "no answer from " + where() + " to the " + what + " within "
                    + timeout.toSeconds() + " s; check spec.dns.rfc2136.server and port", e);
        } catch (IOException e) {
            throw new DnsPublishException("DnsUnreachable", "cannot reach " + where() + " for the " + what + ": "
                    + e.getMessage() + "; check spec.dns.rfc2136.server and port", e);
        }
    }

    private SimpleResolver resolver() throws DnsPublishException {
        InetAddress address;
        try {
            address = InetAddress.getByName(server);
        } catch (UnknownHostException e) {
            throw new DnsPublishException("DnsUnreachable", "the DNS server name " + server
                    + " does not resolve; check spec.dns.rfc2136.server", e);
        }
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(address, port));
        resolver.setTCP(true);
        resolver.setTimeout(timeout);
        return resolver;
    }

    private String where() {
        return server + ":" + port;
    }

    private Record toRecord(DnsRecord record) throws DnsPublishException {
        Name name;
        try {
            name = Name.fromString(record.name());
        } catch (TextParseException e) {
            throw new DnsPublishException("DnsError", "record name " + record.name() + ": " + e.getMessage(), e);
        }
        if (!name.subdomain(zone)) {
            throw new DnsPublishException("RecordOutsideZone", record.name() + " is outside zone " + zone
                    + "; set spec.dns.rfc2136.zone to a zone that holds it");
        }
        try {
            return Record.fromString(name, Type.value(record.type()), DClass.IN, record.ttl(), record.value(), Name.root);
        } catch (IOException e) {
            throw new DnsPublishException("DnsError", "record " + record + ": " + e.getMessage(), e);
        }
    }

    /** The record in {@code present} equal to {@code record} (name, type, RDATA; not the TTL). */
    private static Record find(Set<Record> present, Record record) {
        for (Record r : present) {
            if (r.equals(record)) {
                return r;
            }
        }
        return null;
    }

    private static Set<Record> union(Set<Record> a, Set<Record> b) {
        Set<Record> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }
}
