package io.github.redisleaseha.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.LocalCluster.Node;
import io.github.redisleaseha.harness.NetNs;
import io.github.redisleaseha.harness.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;

/**
 * A cluster for fault injection: every pod (Redis and sidecar) in its own network namespace, the API
 * server (behind a fault proxy) in another, and in the root namespace a writer that follows the write
 * endpoint plus one writer pinned to each node, all running from start to {@link #finish()}.
 *
 * <p>The writers are the clients a fault hurts most: each keeps its connection, with a read timeout
 * ({@link #WRITER_READ_TIMEOUT}) longer than any fault, so a command in flight when a Redis stops is
 * acknowledged when it resumes. The network's tag and address prefix come from the system properties
 * {@code chaos.netns.tag} (default {@code rlha}) and {@code chaos.netns.prefix} (default
 * {@code 10.77.0}), so two runs on one machine can use different ones.
 */
final class ChaosCluster implements AutoCloseable {

  static final String PASSWORD = "chaos-password-" + Long.toHexString(System.nanoTime());
  static final Duration WRITER_READ_TIMEOUT = Duration.ofSeconds(30);

  /** What a run amounts to, judged by {@link Checker}. */
  record Tally(int acked, List<Writer.Ack> splitBrain, List<Long> lost) {}

  private final NetNs net;
  private final LocalCluster cluster;
  private final Path dir;
  private final Writer follow;
  private final List<Writer> pinned = new ArrayList<>();
  /** Every password the cluster had, the current one last; none may appear in a sidecar log. */
  private final List<String> passwords = new CopyOnWriteArrayList<>(List.of(PASSWORD));
  private volatile String password = PASSWORD;

  ChaosCluster(Path dir) {
    this(dir, Faults.ClusterSetup.NONE);
  }

  /** A cluster whose builder {@code setup} adjusts first (per-node sidecar flags or environment). */
  ChaosCluster(Path dir, Faults.ClusterSetup setup) {
    this.dir = dir;
    this.net = NetNs.create(System.getProperty("chaos.netns.tag", "rlha"), System.getProperty("chaos.netns.prefix", "10.77.0"));
    try {
      LocalCluster.Builder builder = LocalCluster.builder().netns(net).faultProxy().dir(dir).password(PASSWORD);
      setup.apply(builder, dir);
      this.cluster = builder.start();
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    follow = Writer.builder(cluster::endpointTarget).password(this::password).period(5)
        .keepConnection(WRITER_READ_TIMEOUT).build();
    for (Node n : cluster.nodes()) {
      pinned.add(Writer.builder(n.redis::address).password(this::password).period(10).mode(Writer.Mode.PINNED)
          .key("pinned:" + n.name).keepConnection(WRITER_READ_TIMEOUT).build());
    }
    try {
      awaitRecovered();
      follow.start();
      pinned.forEach(Writer::start);
      awaitAcks(200);
    } catch (RuntimeException e) {
      // a cluster that never came up must not leave its processes and namespaces behind
      close();
      throw e;
    }
  }

  LocalCluster cluster() {
    return cluster;
  }

  NetNs net() {
    return net;
  }

  Path dir() {
    return dir;
  }

  Writer follow() {
    return follow;
  }

  /** The writer pinned to {@code node}. */
  Writer pinned(Node node) {
    return pinned.get(cluster.nodes().indexOf(node));
  }

  List<Writer> pinnedWriters() {
    return List.copyOf(pinned);
  }

  /** The follow writer and every pinned one. */
  List<Writer> writers() {
    List<Writer> all = new ArrayList<>(pinned);
    all.add(0, follow);
    return all;
  }

  /** The Redis password now. */
  String password() {
    return password;
  }

  /**
   * After every Redis was given {@code next} at runtime: the harness's own connections, a restarted
   * Redis, the password file the sidecars read (replaced atomically, as a Secret volume is) and the
   * writers' next connections use it.
   */
  void passwordChanged(String next) throws Exception {
    passwords.add(next);
    for (Node n : cluster.nodes()) {
      n.redis.password(next);
    }
    Path file = cluster.passwordFile();
    Path tmp = file.resolveSibling(file.getFileName() + ".new");
    Files.writeString(tmp, next);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    password = next;
  }

  /** Injects {@code fault} around the current leader; returns when it is healed. */
  void inject(Faults.Fault fault, Duration hold, Findings findings) throws Exception {
    Node leader = cluster.awaitLeader(Duration.ofSeconds(60));
    fault.injection().inject(new Faults.Scene(this, leader, cluster.nodes().indexOf(leader), hold, findings));
  }

  /** Waits until one leader leads with every replica in sync. */
  void awaitRecovered() {
    Awaitility.await("a leader with every replica in sync").atMost(Duration.ofSeconds(90)).ignoreExceptions()
        .until(() -> {
          cluster.awaitReplicasInSync(cluster.awaitLeader(Duration.ofSeconds(5)), Duration.ofSeconds(5));
          return true;
        });
  }

  void awaitAcks(int more) {
    int target = follow.ackCount() + more;
    Awaitility.await("writer acknowledgements").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> follow.ackCount() >= target);
  }

  /** Split-brain writes among the pinned writers' acknowledgements so far (for a run that never recovered). */
  List<Writer.Ack> splitBrainSoFar() {
    List<Writer.Ack> pinnedAcks = new ArrayList<>();
    pinned.forEach(w -> pinnedAcks.addAll(w.acks()));
    return Checker.splitBrainWrites(pinnedAcks);
  }

  /** Recovers, stops the writers and judges the whole run. */
  Tally finish() throws Exception {
    awaitRecovered();
    awaitAcks(200);
    follow.close();
    pinned.forEach(Writer::close);
    Node last = cluster.awaitLeader(Duration.ofSeconds(30));
    List<Writer.Ack> pinnedAcks = new ArrayList<>();
    pinned.forEach(w -> pinnedAcks.addAll(w.acks()));
    List<Writer.Ack> split = Checker.splitBrainWrites(pinnedAcks);
    List<Long> lost;
    try (Jedis j = last.redis.jedis()) {
      lost = follow.lost(j.lrange(follow.key(), 0, -1));
    }
    Files.writeString(dir.resolve("split-brain.txt"), split.toString());
    Files.writeString(dir.resolve("lost.txt"), lost.toString());
    assertNoSecretInLogs();
    return new Tally(follow.ackCount(), split, lost);
  }

  /** No Redis password, old or new, may appear in any sidecar log (they reach the sidecars as a file). */
  private void assertNoSecretInLogs() throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("sidecar.log")).toList()) {
        String log = Files.readString(f);
        for (String p : passwords) {
          assertThat(log).as(f.toString()).doesNotContain(p);
        }
      }
    }
  }

  @Override
  public void close() {
    follow.close();
    pinned.forEach(Writer::close);
    cluster.close();
    net.close();
  }
}
