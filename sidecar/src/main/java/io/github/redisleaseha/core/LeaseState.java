package io.github.redisleaseha.core;

import java.util.HashMap;
import java.util.Map;

/**
 * What the Lease said at its last read: the holder from the spec, and what the leader recorded in the
 * annotations after promotion. Annotations come from an object anyone with RBAC may edit, so every
 * field is parsed defensively: a value that does not parse is treated as absent, never as an error.
 *
 * @param holder the spec's holderIdentity, or null when the Lease is free
 * @param transitions spec.leaseTransitions (0 when absent)
 * @param leader the pod that last completed a promotion (annotation), or null
 * @param leaderHost the announced Redis host of {@code leader}
 * @param leaderPort the announced Redis port of {@code leader}
 * @param replId the replication id the leader had right after promotion
 * @param promotionOffset the leader's replication offset right after promotion
 * @param epoch the Lease transition count at which {@code leader} promoted
 * @param handoverTo the pod a gracefully stopping leader hands over to
 * @param handoverUntilMillis wall-clock time (ms) until which others leave the Lease to {@code handoverTo}
 * @param forced the handover was forced by an operator ({@code failover --to}): its target may take
 *     the Lease even if it lags or lacks the leader's history
 * @param paused maintenance mode: no automatic failover (set by {@code pause}, removed by {@code resume})
 * @param members the cluster's members as the leader last recorded them (pod names); empty if none
 *     are recorded. Only a recorded member may acquire the Lease, and a leader in failsafe needs a
 *     promise from every one of them ({@link Failsafe}).
 */
public record LeaseState(
    String holder,
    int transitions,
    String leader,
    String leaderHost,
    int leaderPort,
    String replId,
    long promotionOffset,
    long epoch,
    String handoverTo,
    long handoverUntilMillis,
    boolean forced,
    boolean paused,
    java.util.Set<String> members) {

  public static final String PREFIX = "redis-lease-ha.io/";
  public static final String LEADER = PREFIX + "leader";
  public static final String LEADER_ADDRESS = PREFIX + "leader-address";
  public static final String REPL_ID = PREFIX + "replid";
  public static final String PROMOTION_OFFSET = PREFIX + "promotion-offset";
  public static final String EPOCH = PREFIX + "epoch";
  public static final String HANDOVER_TO = PREFIX + "handover-to";
  public static final String HANDOVER_UNTIL = PREFIX + "handover-until";
  public static final String FORCED = PREFIX + "forced";
  public static final String PAUSED = PREFIX + "paused";
  public static final String MEMBERS = PREFIX + "members";

  /** Longest value we accept from an annotation; anything longer is hostile or broken. */
  private static final int MAX_VALUE_LENGTH = 253;
  /** Longest member list we accept: 64 pod names of 63 characters. */
  private static final int MAX_MEMBERS_LENGTH = 64 * 64;
  private static final java.util.regex.Pattern MEMBER_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  public static final LeaseState UNKNOWN =
      new LeaseState(null, 0, null, null, 0, null, -1, -1, null, 0, false, false, java.util.Set.of());

  public LeaseState {
    members = java.util.Set.copyOf(members);
  }

  public static LeaseState parse(String holder, Integer transitions, Map<String, String> annotations) {
    Map<String, String> a = annotations == null ? Map.of() : annotations;
    String leader = text(a.get(LEADER));
    String host = null;
    int port = 0;
    String address = text(a.get(LEADER_ADDRESS));
    if (address != null) {
      int colon = address.lastIndexOf(':');
      int parsedPort = colon > 0 ? (int) number(address.substring(colon + 1)) : -1;
      if (parsedPort > 0 && parsedPort <= 65535) {
        host = address.substring(0, colon);
        port = parsedPort;
      }
    }
    return new LeaseState(
        text(holder),
        transitions == null ? 0 : transitions,
        host == null ? null : leader,
        host,
        port,
        text(a.get(REPL_ID)),
        number(a.get(PROMOTION_OFFSET)),
        number(a.get(EPOCH)),
        text(a.get(HANDOVER_TO)),
        Math.max(0, number(a.get(HANDOVER_UNTIL))),
        "true".equals(text(a.get(FORCED))),
        "true".equals(text(a.get(PAUSED))),
        members(a.get(MEMBERS)));
  }

  /** A comma-separated list of pod names; anything that does not parse as one makes the whole list absent. */
  private static java.util.Set<String> members(String value) {
    if (value == null || value.isBlank() || value.length() > MAX_MEMBERS_LENGTH) {
      return java.util.Set.of();
    }
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (String name : value.split(",")) {
      if (!MEMBER_NAME.matcher(name.trim()).matches()) {
        return java.util.Set.of();
      }
      names.add(name.trim());
    }
    return names;
  }

  /** The annotation recording {@code members}, sorted, as the leader writes it. */
  public static Map<String, String> membersAnnotation(java.util.Collection<String> members) {
    return Map.of(MEMBERS, String.join(",", new java.util.TreeSet<>(members)));
  }

  private static String text(String value) {
    if (value == null || value.isBlank() || value.length() > MAX_VALUE_LENGTH) {
      return null;
    }
    return value;
  }

  private static long number(String value) {
    if (text(value) == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  public boolean free() {
    return holder == null;
  }

  /** The holder has completed its promotion and published where it is: followers may follow it. */
  public boolean holderPublished() {
    return holder != null && holder.equals(leader) && leaderHost != null;
  }

  public Member publishedLeader() {
    return holderPublished() ? new Member(leader, leaderHost, leaderPort) : null;
  }

  public boolean handoverActive(long nowWallMillis) {
    return handoverTo != null && nowWallMillis < handoverUntilMillis;
  }

  /** An operator's forced failover to {@code name} is under way. */
  public boolean forcedTo(String name, long nowWallMillis) {
    return forced && handoverActive(nowWallMillis) && name.equals(handoverTo);
  }

  /**
   * The annotations of a handover to {@code target} until {@code untilWallMillis} (wall clock, as
   * every node reads it), forced by an operator or not.
   */
  public static Map<String, String> handoverMark(String target, long untilWallMillis, boolean forced) {
    Map<String, String> a = new HashMap<>();
    a.put(HANDOVER_TO, target);
    a.put(HANDOVER_UNTIL, Long.toString(untilWallMillis));
    if (forced) {
      a.put(FORCED, "true");
    }
    return a;
  }

  /** The annotations that end any handover mark. */
  public static Map<String, String> noHandover() {
    return Map.of(HANDOVER_TO, "", HANDOVER_UNTIL, "0", FORCED, "");
  }

  /**
   * {@code existing} with {@code changes} applied: a null value removes the key, any other sets it.
   * The one way annotations are merged, by the sidecars and by the operations commands.
   */
  public static Map<String, String> merge(Map<String, String> existing, Map<String, String> changes) {
    Map<String, String> merged = new HashMap<>();
    if (existing != null) {
      merged.putAll(existing);
    }
    changes.forEach((k, v) -> {
      if (v == null) {
        merged.remove(k);
      } else {
        merged.put(k, v);
      }
    });
    return merged;
  }

  /** Annotations a leader writes after promotion. */
  public static Map<String, String> promotionAnnotations(
      Member leader, String replId, long promotionOffset, long epoch) {
    Map<String, String> a = new HashMap<>();
    a.put(LEADER, leader.name());
    a.put(LEADER_ADDRESS, leader.address());
    a.put(REPL_ID, replId == null ? "" : replId);
    a.put(PROMOTION_OFFSET, Long.toString(promotionOffset));
    a.put(EPOCH, Long.toString(epoch));
    // A completed promotion ends any handover that led to it.
    a.putAll(noHandover());
    return a;
  }
}
