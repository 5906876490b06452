package io.yubin.store;

import io.yubin.model.MailAddress;

/** One alias target: mail for {@code source} also goes to {@code target}. */
public record Alias(AliasSource source, MailAddress target) {
}
