package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.crd.MailDomainStatus.DkimStatus;
import io.yubin.operator.crd.MailDomainStatus.RetiredKey;
import io.yubin.operator.dkim.DkimKeyPair;
import io.yubin.operator.dns.MailRecords;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The DKIM keys of a MailDomain. The signing key is in the Secret {@code <name>-dkim} it owns:
 * one key {@code <selector>.key} holding the PKCS#8 PEM private key. Mounted at
 * {@code <dkim dir>/<domain>/} in the front-end pods, that is the layout the signer's
 * DkimKeyDirectory reads ({@code <domain>/<selector>.key}). The Secret holds only the signing key,
 * so the signer never signs with a key whose record is not (yet, or any more) published.
 *
 * <p>Without rotation the key is made once and kept; a change of selector, algorithm or RSA size
 * replaces it. With {@code rotateAfterDays}, a key that old gets a successor: it waits in the
 * Secret {@code <name>-dkim-next} (not mounted) while its record is published, moves into the
 * signing Secret once the DNS TTL has passed since then, and the old key's record stays a week
 * more for mail still in transit.
 */
final class DkimKeySecret {

    static final String CREATED = "yubin.io/created";
    /** How long a replaced key's record stays: mail signed with it may still be verified. */
    static final Duration RETIRED_RECORD = Duration.ofDays(7);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    /** A key with its selector. */
    record SelectedKey(String selector, DkimKeyPair key) {
    }

    /**
     * The keys after this reconcile.
     *
     * @param next the successor waiting for its record, or null
     * @param nextPublishedAt when the successor's record was first published, or null while it is not
     */
    record Keys(SelectedKey active, Instant since, SelectedKey next, Instant nextPublishedAt, List<RetiredKey> retired) {

        /** Every DKIM record to publish: the signing key's, the successor's, the retired ones. */
        List<MailRecords.DkimRecord> records() {
            List<MailRecords.DkimRecord> out = new ArrayList<>();
            out.add(new MailRecords.DkimRecord(active.selector(), active.key().record()));
            if (next != null) {
                out.add(new MailRecords.DkimRecord(next.selector(), next.key().record()));
            }
            for (RetiredKey r : retired) {
                String type = r.algorithm().equals(DomainSettings.DkimAlgorithm.ED25519_SHA256.tag()) ? "ed25519" : "rsa";
                out.add(new MailRecords.DkimRecord(r.selector(), "v=DKIM1; k=" + type + "; p=" + r.publicKey()));
            }
            return out;
        }
    }

    private final KubernetesClient client;
    private final SecureRandom random;

    DkimKeySecret(KubernetesClient client, SecureRandom random) {
        this.client = client;
        this.random = random;
    }

    static String nextSecretName(String name) {
        return name + "-dkim-next";
    }

    /**
     * @param previous the DKIM status of the last reconcile, or null
     * @param ttl the DNS TTL: a successor signs only once its record has been published this long
     */
    Keys ensure(MailDomain owner, DomainSettings settings, DkimStatus previous, Duration ttl, Instant now)
            throws StepException {
        String namespace = owner.getMetadata().getNamespace();
        String name = DomainSettings.dkimSecretName(owner.getMetadata().getName());
        DomainSettings.Dkim dkim = settings.dkim();
        List<RetiredKey> retired = new ArrayList<>();
        if (previous != null) {
            for (RetiredKey r : previous.retired()) {
                if (Instant.parse(r.removeAfter()).isAfter(now)) {
                    retired.add(r);
                }
            }
        }

        Secret existing = owned(namespace, name, owner);
        SelectedKey active = single(existing);
        Instant since = created(existing, now);
        boolean fits = active != null && active.key().matches(dkim.algorithm(), dkim.rsaBits())
                && (dkim.rotateAfterDays() == 0 ? active.selector().equals(dkim.selector())
                        : active.selector().matches(Pattern.quote(dkim.selector()) + "-[0-9]{8}b?"));
        if (!fits) {
            active = new SelectedKey(selector(dkim, now), DkimKeyPair.generate(dkim.algorithm(), dkim.rsaBits(), random));
            since = now;
            write(owner, name, existing, active, now);
            delete(namespace, nextSecretName(owner.getMetadata().getName()), owner);
            return new Keys(active, since, null, null, retired);
        }
        if (dkim.rotateAfterDays() == 0) {
            return new Keys(active, since, null, null, retired);
        }

        String nextName = nextSecretName(owner.getMetadata().getName());
        Secret nextSecret = owned(namespace, nextName, owner);
        SelectedKey next = single(nextSecret);
        if (next != null && !next.key().matches(dkim.algorithm(), dkim.rsaBits())) {
            next = null;
        }
        Instant publishedAt = null;
        if (next != null && previous != null && previous.next() != null
                && next.selector().equals(previous.next().selector()) && previous.next().publishedAt() != null) {
            publishedAt = Instant.parse(previous.next().publishedAt());
        }
        if (next != null && publishedAt != null && !now.isBefore(publishedAt.plus(ttl))) {
            // the successor's record has been out for a TTL: it signs from now on
            retired.add(new RetiredKey(active.selector(), active.key().algorithm().tag(), active.key().publicKey(),
                    now.plus(RETIRED_RECORD).toString()));
            write(owner, name, existing, next, now);
            delete(namespace, nextName, owner);
            return new Keys(next, now, null, null, retired);
        }
        if (next == null && !now.isBefore(since.plus(Duration.ofDays(dkim.rotateAfterDays())))) {
            next = new SelectedKey(selector(dkim, now), DkimKeyPair.generate(dkim.algorithm(), dkim.rsaBits(), random));
            if (next.selector().equals(active.selector())) {
                next = new SelectedKey(next.selector() + "b", next.key());
            }
            write(owner, nextName, nextSecret, next, now);
        }
        return new Keys(active, since, next, publishedAt, retired);
    }

    private static String selector(DomainSettings.Dkim dkim, Instant now) {
        return dkim.rotateAfterDays() == 0 ? dkim.selector() : dkim.selector() + "-" + DAY.format(now);
    }

    private Secret owned(String namespace, String name, MailDomain owner) throws StepException {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret != null && !Owned.isOwnedBy(secret, owner)) {
            throw new StepException("DkimSecretConflict", "Secret " + name + " exists and is not owned by MailDomain "
                    + owner.getMetadata().getName() + "; delete or rename it so the operator can make the key", true);
        }
        return secret;
    }

    /** The one key of a key Secret, or null when it holds none or something else. */
    private static SelectedKey single(Secret secret) {
        Map<String, String> data = secret == null || secret.getData() == null ? Map.of() : secret.getData();
        if (data.size() != 1) {
            return null;
        }
        Map.Entry<String, String> entry = data.entrySet().iterator().next();
        if (!entry.getKey().endsWith(".key")) {
            return null;
        }
        try {
            return new SelectedKey(entry.getKey().substring(0, entry.getKey().length() - 4), DkimKeyPair.parse(
                    new String(Base64.getDecoder().decode(entry.getValue()), StandardCharsets.US_ASCII)));
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
    }

    /** When the key was made: the annotation, else the Secret's creation (a Secret of an older operator). */
    private static Instant created(Secret secret, Instant now) {
        if (secret == null) {
            return now;
        }
        Map<String, String> annotations = secret.getMetadata().getAnnotations();
        String created = annotations == null ? null : annotations.get(CREATED);
        if (created == null) {
            created = secret.getMetadata().getCreationTimestamp();
        }
        return created == null ? now : Instant.parse(created);
    }

    private void write(MailDomain owner, String name, Secret existing, SelectedKey key, Instant now) {
        Secret secret = new SecretBuilder()
                .withMetadata(Owned.metadata(owner, name))
                .withType("Opaque")
                .withData(Map.of(key.selector() + ".key", Base64.getEncoder().encodeToString(
                        key.key().privateKeyPem().getBytes(StandardCharsets.US_ASCII))))
                .build();
        secret.getMetadata().setAnnotations(Map.of(CREATED, now.toString()));
        String namespace = owner.getMetadata().getNamespace();
        if (existing == null) {
            client.secrets().inNamespace(namespace).resource(secret).create();
        } else {
            secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.secrets().inNamespace(namespace).resource(secret).update();
        }
    }

    private void delete(String namespace, String name, MailDomain owner) throws StepException {
        if (owned(namespace, name, owner) != null) {
            client.secrets().inNamespace(namespace).withName(name).delete();
        }
    }
}
