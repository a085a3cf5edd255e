package io.github.redisleaseha.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.node.Sidecar.RoleView;
import io.github.redisleaseha.ops.SentinelMigration.SentinelReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When {@code migrate-from-sentinel} may remove Sentinel, and the reason when it may not. */
class SentinelMigrationTest {

  static final String MASTER = "10.0.0.0:6379";

  private static ClusterView.Member member(String name, String role) {
    RoleView v = new RoleView(name, "10.0.0." + name.charAt(name.length() - 1) + ":6379", role, true, "redis-0", "redis-0",
        5000, 0, false, true, 1, false, false, false, true, null, 1, "kill", false);
    return new ClusterView.Member(name, "http://x", v, null);
  }

  private static final LeaseState RECORDED = LeaseState.parse("redis-0", 0,
      LeaseState.promotionAnnotations(new Member("redis-0", "10.0.0.0", 6379), "r1", 0, 0));

  private static ClusterView adopted() {
    return new ClusterView(RECORDED, true, null, null, MASTER,
        List.of(member("redis-0", "leader"), member("redis-1", "replica"), member("redis-2", "replica")));
  }

  private static SentinelReport healthy(String address) {
    return SentinelReport.of(address, Map.of("name", "mymaster", "ip", "10.0.0.0", "port", "6379", "flags", "master",
        "config-epoch", "3", "num-slaves", "2", "num-other-sentinels", "2"));
  }

  private static final List<SentinelReport> HEALTHY = List.of(healthy("s0:26379"), healthy("s1:26379"), healthy("s2:26379"));

  @Test
  void removesSentinelOnceTheSidecarsLeadWithItsMaster() {
    assertThat(SentinelMigration.refusal("mymaster", HEALTHY, adopted())).isEmpty();
  }

  @Test
  void refusesWhileAnySentinelIsUnreachableDisagreesOrSeesTrouble() {
    assertThat(SentinelMigration.refusal("mymaster",
        List.of(healthy("s0:26379"), SentinelReport.failed("s1:26379", "connection refused")), adopted()))
        .contains("Sentinel s1:26379 did not answer (connection refused); every Sentinel must be reachable, or one of them"
            + " could still fail over");
    SentinelReport down = SentinelReport.of("s1:26379", Map.of("ip", "10.0.0.0", "port", "6379", "flags", "master,s_down",
        "config-epoch", "3"));
    assertThat(SentinelMigration.refusal("mymaster", List.of(healthy("s0:26379"), down), adopted()))
        .contains("Sentinel s1:26379 flags 'mymaster' as master,s_down; wait until it reports the master healthy (flags: master)");
    SentinelReport elsewhere = SentinelReport.of("s1:26379", Map.of("ip", "10.0.0.1", "port", "6379", "flags", "master",
        "config-epoch", "3"));
    assertThat(SentinelMigration.refusal("mymaster", List.of(healthy("s0:26379"), elsewhere), adopted()))
        .contains("the Sentinels disagree on the master: s0:26379 names 10.0.0.0:6379, s1:26379 names 10.0.0.1:6379");
    SentinelReport newer = SentinelReport.of("s1:26379", Map.of("ip", "10.0.0.0", "port", "6379", "flags", "master",
        "config-epoch", "4"));
    assertThat(SentinelMigration.refusal("mymaster", List.of(healthy("s0:26379"), newer), adopted()).orElseThrow())
        .startsWith("the Sentinels are at different configuration epochs");
  }

  @Test
  void refusesUntilTheSidecarsAdoptedThatVeryMaster() {
    ClusterView noLeader = new ClusterView(LeaseState.UNKNOWN, false, null, null, null,
        List.of(member("redis-0", "replica"), member("redis-1", "replica")));
    assertThat(SentinelMigration.refusal("mymaster", HEALTHY, noLeader))
        .contains("no sidecar leads yet; Sentinel names 10.0.0.0:6379");
    ClusterView other = new ClusterView(RECORDED, true, null, null, null,
        List.of(member("redis-0", "replica"), member("redis-1", "leader")));
    assertThat(SentinelMigration.refusal("mymaster", HEALTHY, other))
        .contains("the sidecars' leader redis-1 runs the Redis at 10.0.0.1:6379, not the master Sentinel manages;"
            + " Sentinel names 10.0.0.0:6379");
    ClusterView unrecorded = new ClusterView(LeaseState.parse("redis-0", 0, Map.of()), true, null, null, null,
        List.of(member("redis-0", "leader"), member("redis-1", "replica")));
    assertThat(SentinelMigration.refusal("mymaster", HEALTHY, unrecorded))
        .contains("the Lease does not record redis-0's promotion yet; Sentinel names 10.0.0.0:6379");
    ClusterView silent = new ClusterView(RECORDED, true, null, null, null,
        List.of(member("redis-0", "leader"), new ClusterView.Member("redis-1", "http://x", null, "connection refused")));
    assertThat(SentinelMigration.refusal("mymaster", HEALTHY, silent))
        .contains("the sidecar of redis-1 does not answer (connection refused); Sentinel names 10.0.0.0:6379");
  }

  @Test
  void sentinelsThatNoLongerMonitorAreSkippedAndNoneLeftIsDone() {
    List<SentinelReport> partly = List.of(SentinelReport.notMonitoring("s0:26379"), healthy("s1:26379"));
    assertThat(SentinelMigration.monitoring(partly)).extracting(SentinelReport::address).containsExactly("s1:26379");
    assertThat(SentinelMigration.refusal("mymaster", partly, adopted())).isEmpty();
    List<SentinelReport> none = List.of(SentinelReport.notMonitoring("s0:26379"));
    assertThat(SentinelMigration.monitoring(none)).isEmpty();
  }

  @Test
  void addressesMatchByNameOrByResolvedAddress() {
    assertThat(SentinelMigration.sameAddress("10.0.0.0:6379", "10.0.0.0:6379")).isTrue();
    assertThat(SentinelMigration.sameAddress("localhost:6379", "127.0.0.1:6379")).isTrue();
    assertThat(SentinelMigration.sameAddress("127.0.0.1:6379", "127.0.0.1:6380")).isFalse();
    assertThat(SentinelMigration.sameAddress("no-such-host.invalid:6379", "127.0.0.1:6379")).isFalse();
  }
}
