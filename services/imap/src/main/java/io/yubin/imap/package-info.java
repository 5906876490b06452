/**
 * The IMAP server (RFC 9051 IMAP4rev2 and RFC 3501 IMAP4rev1 from one implementation): command
 * parsing, sessions, and IDLE over the cluster's mailbox events. {@code io.yubin.imap.mime} holds
 * the MIME structure computed once per message; {@code io.yubin.imap.search} SEARCH, SORT and
 * THREAD as pure functions over message views.
 */
package io.yubin.imap;
