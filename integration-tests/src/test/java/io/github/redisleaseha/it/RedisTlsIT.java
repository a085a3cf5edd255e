package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.TlsFiles;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** Redis reachable over TLS only, with client certificates required: election, crash failover, handover. */
class RedisTlsIT extends ClusterTest {

  @Test
  void electsFailsOverAndHandsOverWithTlsAndClientCertificates(TestInfo info) {
    LocalCluster.Builder builder = cluster(info).password("tls-test-password");
    TlsFiles tls = TlsFiles.generate(builder.dir().resolve("tls"));
    cluster = builder.tls(tls).start();

    LocalCluster.Node first = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(first, Duration.ofSeconds(30));
    try (Jedis j = first.redis.jedis()) {
      assertThat(j.set("tls:key", "before")).isEqualTo("OK");
    }
    // No plain-text way in: the only port speaks TLS.
    assertThatThrownBy(() -> {
      try (Jedis plain = new Jedis(first.redis.host(), first.redis.port(), 500)) {
        plain.ping();
      }
    }).isInstanceOf(JedisConnectionException.class);

    first.redis.kill();
    LocalCluster.Node second = cluster.awaitLeaderOtherThan(first, Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(second, Duration.ofSeconds(30));
    try (Jedis j = second.redis.jedis()) {
      assertThat(j.get("tls:key")).isEqualTo("before");
    }

    // The handover's fence (a bare connection) and FAILOVER also go over TLS.
    assertThat(second.sidecar.post("/handover", Duration.ofSeconds(30))).startsWith("200 ").contains("handed over to");
    LocalCluster.Node third = cluster.awaitLeaderOtherThan(second, Duration.ofSeconds(30));
    try (Jedis j = third.redis.jedis()) {
      assertThat(j.set("tls:key", "after")).isEqualTo("OK");
    }
  }
}
