package io.yubin.operator.crd;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** What the operator did, written by it alone. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MailDomainStatus(Long observedGeneration, List<Condition> conditions, List<RecordStatus> records,
        DkimStatus dkim, MtaStsStatus mtaSts, CertificateStatus certificate, List<String> managedSecrets) {

    public MailDomainStatus {
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
        records = records == null ? List.of() : List.copyOf(records);
        managedSecrets = managedSecrets == null ? List.of() : List.copyOf(managedSecrets);
    }

    public static MailDomainStatus empty() {
        return new MailDomainStatus(null, List.of(), List.of(), null, null, null, List.of());
    }

    /** The condition of this type, or null. */
    public Condition condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }

    /** A condition in the Kubernetes convention (metav1.Condition). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Condition(String type, String status, String reason, String message, Long observedGeneration,
            String lastTransitionTime) {

        public boolean isTrue() {
            return "True".equals(status);
        }
    }

    /**
     * One record the spec asks for (or one the operator still manages).
     *
     * @param value the RDATA in zone-file form (a TXT as one or more quoted strings)
     * @param published it was in DNS after the last update
     * @param managed the operator added it, so it removes it when no longer wanted; a record that
     *     was in the zone before the operator first looked is left alone
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RecordStatus(String name, String type, Long ttl, String value, Boolean published, Boolean managed) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    /**
     * @param selector, publicKey the key that signs now, since {@code since}
     * @param next the key that will sign after rotation, published at {@code publishedAt}; null when none
     * @param retired keys that signed before, whose records stay until {@code removeAfter}
     */
    public record DkimStatus(String selector, String algorithm, String publicKey, String secretName, String since,
            NextKey next, List<RetiredKey> retired) {

        public DkimStatus {
            retired = retired == null ? List.of() : List.copyOf(retired);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record NextKey(String selector, String publicKey, String publishedAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RetiredKey(String selector, String algorithm, String publicKey, String removeAfter) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MtaStsStatus(String id, String policy) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CertificateStatus(String secretName, String notAfter) {
    }
}
