/**
 * SEARCH evaluation (RFC 9051 §6.4.4), ESEARCH result data (RFC 4731), SORT (RFC 5256, RFC 5957) and
 * THREAD (RFC 5256) as pure functions over {@link io.yubin.imap.search.MessageView}; the protocol
 * layer parses the commands into these types and runs them on a worker thread.
 */
package io.yubin.imap.search;
