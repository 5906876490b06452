package io.yubin.store;

import java.util.List;

/**
 * The outcome of a copy or move (RFC 4315 COPYUID): the source UIDs that existed and the UIDs their
 * copies got, pairwise in the same order.
 */
public record CopyResult(long targetUidValidity, List<Long> sourceUids, List<Long> targetUids) {
}
