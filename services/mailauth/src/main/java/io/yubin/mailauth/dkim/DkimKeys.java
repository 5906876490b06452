package io.yubin.mailauth.dkim;

import java.util.List;

/** Where the signer finds the private keys of a domain. */
@FunctionalInterface
public interface DkimKeys {

    /** The signing keys of {@code domain} (A-labels, lower case); empty when it has none. */
    List<DkimSigningKey> forDomain(String domain);
}
