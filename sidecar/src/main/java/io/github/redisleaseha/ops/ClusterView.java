package io.github.redisleaseha.ops;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.node.Sidecar.RoleView;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the operations commands see of one cluster: the Lease, where the write endpoint points, and
 * each member's own report ({@code /role}), or why it could not be read.
 *
 * @param lease the Lease's parsed state ({@link LeaseState#UNKNOWN} if it does not exist)
 * @param leaseExists whether the Lease object exists
 * @param acquiredAt spec.acquireTime, or null
 * @param renewedAt spec.renewTime, or null
 * @param endpointTarget {@code host:port} of the write endpoint, or null
 * @param members every member found, sorted by name
 */
public record ClusterView(
    LeaseState lease,
    boolean leaseExists,
    OffsetDateTime acquiredAt,
    OffsetDateTime renewedAt,
    String endpointTarget,
    List<Member> members) {

  /**
   * One member: its name, the sidecar's HTTP address, and its report, or the error that stood in the
   * way of reading it.
   */
  public record Member(String name, String url, RoleView status, String error) {
    public boolean reachable() {
      return status != null;
    }

    public String role() {
      return status == null ? "unreachable" : status.role();
    }
  }

  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /** The member whose sidecar reports holding a fresh Lease. */
  public Optional<Member> leader() {
    return members.stream().filter(m -> m.reachable() && m.status().role().equals("leader")).findFirst();
  }

  /** Who the write endpoint points at, as a member name (or the raw address). */
  public String endpointMember() {
    if (endpointTarget == null) {
      return null;
    }
    return members.stream()
        .filter(m -> m.reachable() && endpointTarget.equals(m.status().address()))
        .map(Member::name).findFirst().orElse(endpointTarget);
  }

  /** The highest replication offset any reachable member reports. */
  public long highestOffset() {
    return members.stream().filter(Member::reachable).mapToLong(m -> m.status().offset()).max().orElse(0);
  }

  /** Candidates (eligible, healthy members), most up to date first. */
  public List<Member> candidates() {
    return members.stream()
        .filter(m -> m.reachable() && m.status().candidate() && !m.status().role().equals("leader"))
        .sorted(Comparator.comparingLong((Member m) -> m.status().offset()).reversed().thenComparing(Member::name))
        .toList();
  }
}
