package io.github.redisleaseha.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;

/** Shared helpers of the real-process tests: a cluster per test, logs kept under target/it. */
abstract class ClusterTest {

  LocalCluster cluster;

  LocalCluster.Builder cluster(TestInfo info) {
    String name = info.getTestClass().map(Class::getSimpleName).orElse("it") + "-"
        + info.getTestMethod().map(m -> m.getName()).orElse("test");
    return LocalCluster.builder().dir(Path.of("target", "it", name + "-" + System.currentTimeMillis()).toAbsolutePath());
  }

  /** A running cluster's leader and a writer that has had 200 writes acknowledged. */
  record Writing(LocalCluster.Node leader, Writer writer) {}

  /**
   * Starts a cluster (sidecars with {@code args}), waits for a leader with every replica streaming, and
   * starts a writer.
   */
  Writing startWriting(TestInfo info, String... args) {
    cluster = cluster(info).args(args).start();
    LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.awaitReplicasInSync(leader, Duration.ofSeconds(20));
    Writer writer = cluster.writer();
    writer.start();
    awaitAcks(writer, 200);
    return new Writing(leader, writer);
  }

  /** Lets {@code primary} take 100 more writes, then checks that no acknowledged write is missing on it. */
  static void assertNoAckedWriteLost(Writer writer, LocalCluster.Node primary) {
    awaitAcks(writer, writer.ackCount() + 100);
    assertThat(lostWrites(writer, primary)).as("acknowledged writes lost").isEmpty();
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static void awaitAcks(Writer writer, int count) {
    Awaitility.await("writer acknowledgements").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> writer.ackCount() >= count);
  }

  /** Stops the writer and returns the acknowledged values missing on {@code primary}. */
  static List<Long> lostWrites(Writer writer, LocalCluster.Node primary) {
    writer.close();
    try (Jedis j = primary.redis.jedis()) {
      return writer.lost(j.lrange(Writer.KEY, 0, -1));
    }
  }

  /** Whether a fresh client gets a write acknowledged within 300 ms (a paused Redis blocks it). */
  static boolean writable(LocalCluster.Node node) {
    try (Jedis j = new Jedis(node.redis.host(), node.redis.port(), 300)) {
      return "OK".equals(j.set("probe", Long.toString(System.nanoTime())));
    } catch (RuntimeException e) {
      return false;
    }
  }

  static void awaitReplicaOf(LocalCluster.Node replica, LocalCluster.Node leader) {
    Awaitility.await(replica.name + " replicates from " + leader.name).atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
          try (Jedis j = replica.redis.jedis()) {
            String info = j.info("replication");
            return info.contains("role:slave") && info.contains("master_host:" + leader.redis.host())
                && info.contains("master_link_status:up");
          }
        });
  }
}
