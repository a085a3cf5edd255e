package io.github.redisleaseha.ops;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The checks of {@code migrate-from-sentinel}, with no I/O: what the running Sentinels report and what
 * the sidecars report, and whether Sentinel may now stop managing the master.
 *
 * <p>The safety argument of the migration: Sentinel fails over only a master it monitors, and a
 * Sentinel that ran {@code SENTINEL REMOVE} monitors nothing under that name. So nothing can be
 * promoted by Sentinel once every Sentinel has removed it. It is removed only when the sidecars lead
 * with the very master every Sentinel names, at one configuration epoch, with no Sentinel seeing it
 * down or failing over: the sidecars adopted it (see {@code Eligibility}: a Lease that never recorded
 * a leader lets only the running primary's own sidecar take it), so nothing was promoted either.
 * Each Sentinel is read again right before its removal, so a failover Sentinel began in between
 * stops the migration instead of being overridden.
 */
public final class SentinelMigration {

  private SentinelMigration() {}

  /**
   * What one Sentinel said about the master name.
   *
   * @param address the Sentinel's {@code host:port}
   * @param error why it could not be read, or null
   * @param monitors whether it monitors the master name at all
   * @param master the master's {@code host:port} as it reports it
   * @param flags its flags for the master ({@code master} when all is well)
   * @param configEpoch the master's configuration epoch, which every failover increments
   * @param replicas how many replicas it knows
   * @param otherSentinels how many other Sentinels it knows
   */
  public record SentinelReport(String address, String error, boolean monitors, String master, String flags,
      long configEpoch, int replicas, int otherSentinels) {

    public static SentinelReport failed(String address, String error) {
      return new SentinelReport(address, error, false, null, null, -1, 0, 0);
    }

    public static SentinelReport notMonitoring(String address) {
      return new SentinelReport(address, null, false, null, null, -1, 0, 0);
    }

    /** From {@code SENTINEL MASTER <name>}'s field map. */
    public static SentinelReport of(String address, Map<String, String> m) {
      return new SentinelReport(address, null, true, m.get("ip") + ":" + m.get("port"), m.get("flags"),
          parse(m.get("config-epoch")), (int) parse(m.get("num-slaves")), (int) parse(m.get("num-other-sentinels")));
    }

    private static long parse(String s) {
      try {
        return s == null ? -1 : Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    public String describe() {
      if (error != null) {
        return "Sentinel " + address + ": " + error;
      }
      if (!monitors) {
        return "Sentinel " + address + ": does not monitor it (removed already)";
      }
      return "Sentinel " + address + ": master at " + master + " (flags " + flags + ", config epoch " + configEpoch
          + ", " + replicas + " replicas, " + otherSentinels + " other Sentinels)";
    }
  }

  /** The Sentinels that still monitor the name; empty when the migration has nothing left to do. */
  public static List<SentinelReport> monitoring(List<SentinelReport> reports) {
    return reports.stream().filter(SentinelReport::monitors).toList();
  }

  /**
   * Why Sentinel may not be removed yet, or empty when it may: every Sentinel answers; those that
   * still monitor {@code name} agree on one master at one configuration epoch, none sees it down or
   * failing over; and the sidecars lead with that master, recorded on the Lease.
   */
  public static Optional<String> refusal(String name, List<SentinelReport> reports, ClusterView view) {
    for (SentinelReport r : reports) {
      if (r.error() != null) {
        return Optional.of("Sentinel " + r.address() + " did not answer (" + r.error() + "); every Sentinel must be"
            + " reachable, or one of them could still fail over");
      }
    }
    List<SentinelReport> monitoring = monitoring(reports);
    if (monitoring.isEmpty()) {
      return Optional.empty();
    }
    SentinelReport first = monitoring.get(0);
    for (SentinelReport r : monitoring) {
      if (!"master".equals(r.flags())) {
        return Optional.of("Sentinel " + r.address() + " flags '" + name + "' as " + r.flags()
            + "; wait until it reports the master healthy (flags: master)");
      }
      if (!sameAddress(r.master(), first.master())) {
        return Optional.of("the Sentinels disagree on the master: " + first.address() + " names " + first.master() + ", "
            + r.address() + " names " + r.master());
      }
      if (r.configEpoch() != first.configEpoch()) {
        return Optional.of("the Sentinels are at different configuration epochs (" + first.address() + ": "
            + first.configEpoch() + ", " + r.address() + ": " + r.configEpoch() + "): a failover is recent or under way");
      }
    }
    Optional<String> adopted = notAdopted(first.master(), view);
    return adopted.map(why -> why + "; Sentinel names " + first.master());
  }

  /** Why the sidecars do not lead with {@code master} (as the Lease records it), or empty. */
  public static Optional<String> notAdopted(String master, ClusterView view) {
    for (ClusterView.Member m : view.members()) {
      if (!m.reachable()) {
        return Optional.of("the sidecar of " + m.name() + " does not answer (" + m.error() + ")");
      }
    }
    Optional<ClusterView.Member> leader = view.leader();
    if (leader.isEmpty()) {
      return Optional.of("no sidecar leads yet");
    }
    ClusterView.Member l = leader.get();
    if (!sameAddress(l.status().address(), master)) {
      return Optional.of("the sidecars' leader " + l.name() + " runs the Redis at " + l.status().address()
          + ", not the master Sentinel manages");
    }
    if (!l.name().equals(view.lease().leader())) {
      return Optional.of("the Lease does not record " + l.name() + "'s promotion yet");
    }
    return Optional.empty();
  }

  /** Whether two {@code host:port} name the same server: equal, or hosts that resolve to a common address. */
  static boolean sameAddress(String a, String b) {
    if (Objects.equals(a, b)) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    int ca = a.lastIndexOf(':');
    int cb = b.lastIndexOf(':');
    if (ca < 0 || cb < 0 || !a.substring(ca + 1).equals(b.substring(cb + 1))) {
      return false;
    }
    try {
      List<InetAddress> left = List.of(InetAddress.getAllByName(a.substring(0, ca)));
      for (InetAddress x : InetAddress.getAllByName(b.substring(0, cb))) {
        if (left.contains(x)) {
          return true;
        }
      }
      return false;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
