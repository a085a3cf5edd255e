package io.github.redisleaseha.sentinel;

import io.github.redisleaseha.core.MasterView;
import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.RedisStatus;
import java.util.List;

/**
 * What the Sentinel-compatible endpoint answers from, as the control loop last computed it: immutable,
 * replaced whole on every tick, read by the endpoint's thread.
 *
 * @param master whom to name as master ({@link MasterView}), or null while nobody leads
 * @param lastMaster the last master named since this sidecar started, or null (reported with
 *     {@code s_down,o_down} while nobody leads, the way Sentinel reports a master it lost)
 * @param sentence why {@code master} is named, or why nobody is
 * @param epoch the Lease's transition count: Sentinel's {@code config-epoch}
 * @param nodes every member but the master, with its Redis as this sidecar last saw it: the replicas
 * @param sentinels the other sidecars: their endpoints listen at their host on the same port as this one
 */
public record SentinelView(
    Member master, Member lastMaster, String sentence, long epoch, List<Node> nodes, List<Member> sentinels) {

  public SentinelView {
    nodes = List.copyOf(nodes);
    sentinels = List.copyOf(sentinels);
  }

  /** A member and its Redis as last seen. */
  public record Node(Member member, RedisStatus redis) {}

  /** Before the first observation: nobody is named. */
  public static final SentinelView NONE = new SentinelView(null, null, "I have not observed the cluster yet", 0, List.of(), List.of());

  /**
   * The view after {@code previous} when {@code named} is who leads now: the last master is kept while
   * nobody leads, and the replicas are every member but the master reported.
   */
  public static SentinelView next(SentinelView previous, MasterView.View named, long epoch, List<Node> members,
      List<Member> sentinels) {
    Member master = named.master();
    Member last = master != null ? master : previous.reported();
    List<Node> replicas = members.stream().filter(n -> last == null || !n.member().name().equals(last.name())).toList();
    return new SentinelView(master, last, named.sentence(), epoch, replicas, sentinels);
  }

  /** The master to report in {@code SENTINEL master(s)}: the named one, else the last one (flagged down), else none. */
  Member reported() {
    return master != null ? master : lastMaster;
  }
}
