package io.yubin.mailauth.spf;

import java.util.Arrays;

/**
 * An address with a prefix length, as ip4 and ip6 mechanisms and the CIDR lengths of a and mx
 * name them (RFC 7208 §5.6).
 *
 * @param address 4 or 16 octets
 * @param prefix the leading bits that must be equal: 0 to 32, or 0 to 128
 */
record IpNetwork(byte[] address, int prefix) {

    IpNetwork {
        address = address.clone();
        if ((address.length != 4 && address.length != 16) || prefix < 0 || prefix > address.length * 8) {
            throw new IllegalArgumentException("bad network");
        }
    }

    /** Whether {@code other} (4 or 16 octets) lies in this network; addresses of the other family never do. */
    boolean contains(byte[] other) {
        if (other.length != address.length) {
            return false;
        }
        int whole = prefix / 8;
        if (!Arrays.equals(address, 0, whole, other, 0, whole)) {
            return false;
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[whole] & mask) == (other[whole] & mask);
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpNetwork other && prefix == other.prefix && Arrays.equals(address, other.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + prefix;
    }

    @Override
    public String toString() {
        return IpAddresses.readable(address) + (prefix == address.length * 8 ? "" : "/" + prefix);
    }
}
