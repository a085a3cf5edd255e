package io.github.redisleaseha.core;

/**
 * What one {@code INFO} round trip tells about a Redis server. An unreachable server is represented by
 * {@link #UNREACHABLE}; every other field is only meaningful when {@link #reachable()} is true.
 *
 * @param runId changes on every restart of the process
 * @param primary true for {@code role:master}
 * @param masterHost the primary a replica follows (null on a primary)
 * @param linkUp a replica's {@code master_link_status:up}
 * @param replId the current replication id ({@code master_replid})
 * @param replId2 the replication id this server had before its last promotion
 * @param offset {@code master_repl_offset}: how much of the replication stream this server holds
 * @param keys number of keys in all databases (0 means an empty dataset)
 * @param failoverInProgress {@code master_failover_state} is not {@code no-failover}
 * @param refusal when unreachable because Redis answered but refused us (wrong password, missing ACL
 *     permission): its error reply; null otherwise
 */
public record RedisStatus(
    boolean reachable,
    String runId,
    boolean primary,
    String masterHost,
    int masterPort,
    boolean linkUp,
    String replId,
    String replId2,
    long offset,
    long keys,
    boolean failoverInProgress,
    String refusal) {

  public static final RedisStatus UNREACHABLE =
      new RedisStatus(false, null, false, null, 0, false, null, null, -1, -1, false, null);

  /** Redis answered with an error that keeps us out (authentication, ACL), not a timeout. */
  public static RedisStatus refused(String errorReply) {
    return new RedisStatus(false, null, false, null, 0, false, null, null, -1, -1, false, errorReply);
  }

  public static RedisStatus primary(String runId, String replId, long offset, long keys) {
    return new RedisStatus(true, runId, true, null, 0, false, replId, null, offset, keys, false, null);
  }

  public static RedisStatus replica(
      String runId, String masterHost, int masterPort, boolean linkUp, String replId, long offset, long keys) {
    return new RedisStatus(true, runId, false, masterHost, masterPort, linkUp, replId, null, offset, keys, false, null);
  }

  public boolean follows(Member member) {
    return reachable && !primary && member.isAt(masterHost, masterPort);
  }

  /** An empty dataset that never received a replication stream: a fresh or wiped Redis. */
  public boolean empty() {
    return keys == 0 && offset <= 0;
  }

  /** Whether this server's history contains the replication id {@code id}. */
  public boolean hasHistory(String id) {
    return id != null && (id.equals(replId) || id.equals(replId2));
  }

  public String role() {
    if (!reachable) {
      return "unreachable";
    }
    return primary ? "primary" : "replica";
  }
}
