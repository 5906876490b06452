package io.yubin.model;

/** A mail address, domain or mailbox name that does not parse; the message names what is wrong. */
public class AddressException extends IllegalArgumentException {

    private final int position;

    public AddressException(String message, int position) {
        super(message);
        this.position = position;
    }

    /** Zero-based offset in the input where the problem was found. */
    public int position() {
        return position;
    }
}
