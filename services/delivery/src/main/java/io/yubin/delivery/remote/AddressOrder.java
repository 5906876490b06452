package io.yubin.delivery.remote;

/** Which address families of a host are tried, and which first. */
public enum AddressOrder {
    /** AAAA addresses, then A addresses (the default, as RFC 6724's preference for IPv6). */
    IPV6_FIRST,
    IPV4_FIRST,
    /** A host without IPv6 connectivity: AAAA records are not even asked for. */
    IPV4_ONLY,
    IPV6_ONLY
}
