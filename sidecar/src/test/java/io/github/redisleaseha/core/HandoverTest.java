package io.github.redisleaseha.core;

import static io.github.redisleaseha.core.Observations.A;
import static io.github.redisleaseha.core.Observations.B;
import static io.github.redisleaseha.core.Observations.C;

import io.github.redisleaseha.core.DeciderTest.Row;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The handover phases, one step per tick, driven by tables of observations of a settled leader. */
class HandoverTest {

  /** A settled leader a, replicas b (at 5000) and c (at 4900), handing over, target not chosen yet. */
  static void handingOver(Observations o) {
    o.settledLeader();
    o.peer(C, RedisStatus.replica("run-c", A.host(), A.port(), true, "r2", 4900, 10));
    o.handover = Handover.begin(null, false, o.now, 10_000);
  }

  /** As above, target b chosen and marked on the Lease. */
  static void marked(Observations o) {
    handingOver(o);
    o.handover = o.handover.to(B);
    o.lease = LeaseState.parse("a", 2, merged(LeaseState.promotionAnnotations(A, "r2", 0, 2),
        Map.of(LeaseState.HANDOVER_TO, "b", LeaseState.HANDOVER_UNTIL, Long.toString(o.wall + 10_000))));
  }

  /** As above, and the fence confirmed. */
  static void fenced(Observations o) {
    marked(o);
    o.fenced = true;
    o.fenceConfirmed = true;
  }

  /** As above, and FAILOVER sent 200 ms ago; Redis is in its failover. */
  static void failoverSent(Observations o) {
    fenced(o);
    o.handover = o.handover.failoverSentAt(o.now - 200);
    RedisStatus l = o.local;
    o.local = new RedisStatus(l.health(), l.runId(), true, null, 0, false, l.replId(), null, l.offset(), l.keys(), true, 0, null,
        null, false);
  }

  /** As above, roles swapped: a replicates from b, b is a primary. */
  static void swapped(Observations o) {
    failoverSent(o);
    o.local = RedisStatus.replica("run-a", B.host(), B.port(), true, "r3", 5000, 10);
    o.peer(B, RedisStatus.primary("run-b", "r3", 5000, 10));
  }

  static Map<String, String> merged(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new java.util.HashMap<>(a);
    m.putAll(b);
    return m;
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("no target yet: the most up-to-date streaming replica",
            HandoverTest::handingOver, Action.ChooseTarget.class, "handing over to b at offset 5000"),
        new Row("asked for c: c, although b is ahead",
            o -> { handingOver(o); o.handover = Handover.begin("c", false, o.now, 10_000); },
            Action.ChooseTarget.class, "handing over to c at offset 4900"),
        new Row("no replica streams yet: wait",
            o -> { handingOver(o); o.peer(B, RedisStatus.UNREACHABLE); o.peer(C, RedisStatus.UNREACHABLE); },
            Action.None.class, "waiting for a replica to stream from me"),
        new Row("chosen, not marked: mark the Lease",
            o -> { handingOver(o); o.handover = o.handover.to(B); },
            Action.MarkHandover.class, "marking the Lease for the handover to b"),
        new Row("marked, not fenced: fence",
            HandoverTest::marked, Action.FenceForHandover.class, "pausing writes for the handover to b"),
        new Row("fenced, target behind: wait for it to catch up",
            o -> { fenced(o); o.peer(B, RedisStatus.replica("run-b", A.host(), A.port(), true, "r2", 4990, 10)); },
            Action.None.class, "b is catching up: 10 bytes"),
        new Row("fenced, target caught up: FAILOVER",
            HandoverTest::fenced, Action.SendFailover.class, "b has caught up at offset 5000; FAILOVER TO it"),
        new Row("target stopped answering before FAILOVER: abort",
            o -> { fenced(o); o.peer(B, RedisStatus.unresponsive("timed out")); },
            Action.AbortHandover.class, "b stopped answering before FAILOVER"),
        new Row("FAILOVER under way: wait for the swap",
            HandoverTest::failoverSent, Action.None.class, "waiting for FAILOVER to swap roles with b"),
        new Row("target frozen right after FAILOVER was sent: abort",
            o -> { failoverSent(o); o.handover = o.handover.failoverSentAt(o.now - 1_500);
                   o.peer(B, RedisStatus.unresponsive("timed out")); },
            Action.AbortHandover.class, "b stopped answering after FAILOVER was sent"),
        new Row("swapped: point the endpoint at the target",
            HandoverTest::swapped, Action.PublishHandover.class, "b is the primary now; pointing the write endpoint at it"),
        new Row("swapped but the target does not answer as a primary: the endpoint does not move",
            o -> { swapped(o); o.peer(B, RedisStatus.unresponsive("timed out")); o.handover = o.handover.failoverSentAt(o.now - 100); },
            Action.None.class, "waiting for FAILOVER to swap roles with b"),
        new Row("endpoint moved: release the Lease to the target",
            o -> { swapped(o); o.endpoint = B.address(); },
            Action.ReleaseForHandover.class, "releasing the Lease to it"),
        new Row("endpoint moved, then the target stops answering: release anyway (it holds every write)",
            o -> { swapped(o); o.endpoint = B.address(); o.peer(B, RedisStatus.unresponsive("timed out"));
                   o.handover = o.handover.failoverSentAt(o.now - 2_000); },
            Action.ReleaseForHandover.class, "releasing the Lease to it"),
        new Row("endpoint edited by hand to the target before FAILOVER: no shortcut, fence first",
            o -> { marked(o); o.endpoint = B.address(); },
            Action.FenceForHandover.class, "pausing writes for the handover to b"),
        new Row("past the handover timeout: abort",
            o -> { fenced(o); o.peer(B, RedisStatus.replica("run-b", A.host(), A.port(), true, "r2", 10, 10)); o.now += 10_000; },
            Action.AbortHandover.class, "did not complete within the handover timeout"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    DeciderTest.assertDecides(row);
  }
}
