package io.yubin.operator;

/** A spec the operator cannot act on; {@code field} is its path in the resource, e.g. spec.dkim.selector. */
public final class SpecException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String field;

    public SpecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
