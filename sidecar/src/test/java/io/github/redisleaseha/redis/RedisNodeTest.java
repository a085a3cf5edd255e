package io.github.redisleaseha.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.RedisStatus;
import org.junit.jupiter.api.Test;

class RedisNodeTest {

  @Test
  void parsesAReplicasInfo() {
    String info = String.join("\r\n",
        "# Server", "redis_version:7.0.15", "run_id:abc123",
        "# Replication", "role:slave", "master_host:10.0.0.2", "master_port:6379", "master_link_status:up",
        "master_failover_state:no-failover", "master_replid:r1", "master_replid2:r0", "master_repl_offset:4242",
        "# Keyspace", "db0:keys=3,expires=0,avg_ttl=0", "db2:keys=4,expires=1,avg_ttl=0", "");
    RedisStatus s = RedisNode.parseInfo(info);
    assertThat(s.primary()).isFalse();
    assertThat(s.masterHost()).isEqualTo("10.0.0.2");
    assertThat(s.masterPort()).isEqualTo(6379);
    assertThat(s.linkUp()).isTrue();
    assertThat(s.offset()).isEqualTo(4242);
    assertThat(s.keys()).isEqualTo(7);
    assertThat(s.hasHistory("r0")).isTrue();
    assertThat(s.runId()).isEqualTo("abc123");
  }

  @Test
  void parsesAPrimaryDuringFailover() {
    String info = "run_id:x\r\nrole:master\r\nmaster_failover_state:failover-in-progress\r\nmaster_replid:r\r\nmaster_repl_offset:0\r\n";
    RedisStatus s = RedisNode.parseInfo(info);
    assertThat(s.primary()).isTrue();
    assertThat(s.failoverInProgress()).isTrue();
    assertThat(s.empty()).isTrue();
  }
}
