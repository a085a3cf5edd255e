package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The sidecar as a least-privilege Redis ACL user: the documented command set is enough for an
 * election, a crash failover and a handover; a user missing one of them is named, with what it lacks,
 * and no node contends.
 */
class RedisAclIT extends ClusterTest {

  static final String PASSWORD = "acl-test-password";
  /** The minimal rules the README documents. */
  static final List<String> MINIMAL = List.of("-@all", "+info", "+replicaof", "+client|pause", "+client|unpause",
      "+client|kill", "+client|setname", "+failover", "+config|set", "+acl|dryrun");

  private LocalCluster.Builder withUser(TestInfo info, List<String> rules) {
    String[] args = new String[4 + rules.size()];
    args[0] = "--user";
    args[1] = "sidecar";
    args[2] = "on";
    args[3] = ">" + PASSWORD;
    for (int i = 0; i < rules.size(); i++) {
      args[4 + i] = rules.get(i);
    }
    return cluster(info).password(PASSWORD).redisArgs(args).env("REDIS_USER", "sidecar");
  }

  @Test
  void minimalUserIsEnoughForElectionFailoverAndHandover(TestInfo info) {
    cluster = withUser(info, MINIMAL).start();
    LocalCluster.Node first = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(first, Duration.ofSeconds(30));
    first.redis.kill();
    LocalCluster.Node second = cluster.awaitLeaderOtherThan(first, Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(second, Duration.ofSeconds(30));
    assertThat(second.sidecar.post("/handover", Duration.ofSeconds(30))).startsWith("200 ").contains("handed over to");
    cluster.awaitLeaderOtherThan(second, Duration.ofSeconds(30));
    for (LocalCluster.Node n : cluster.nodes()) {
      assertThat(n.sidecar.output()).doesNotContain("NOPERM");
    }
  }

  @Test
  void userMissingACommandIsNamedAndNobodyContends(TestInfo info) {
    List<String> withoutFailover = MINIMAL.stream().filter(r -> !r.equals("+failover")).toList();
    cluster = withUser(info, withoutFailover).start();
    Awaitility.await("every sidecar names what its user lacks").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (LocalCluster.Node n : cluster.nodes()) {
        assertThat(n.sidecar.output())
            .contains("not a candidate for leader: my Redis refuses my credentials or commands: NOPERM the Redis user 'sidecar' may not run failover");
      }
    });
    Awaitility.await("nobody leads").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .until(() -> cluster.leaseState().holder() == null);
  }
}
