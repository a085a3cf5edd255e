package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.Acks;
import io.github.redisleaseha.harness.ClientFaults;
import io.github.redisleaseha.harness.LocalCluster;
import io.github.redisleaseha.harness.SentinelClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;

/**
 * Sentinel client libraries through the sidecars' Sentinel-compatible endpoint: for each, on its own
 * cluster, every {@link ClientFaults.Fault} {@code trials} times, the time from the fault to the
 * library's first write acknowledged by the new primary, and the acknowledged writes lost on the
 * planned moves.
 */
final class ClientFailovers {

  static final String MASTER = "mymaster";
  static final String PASSWORD = "bench-clients-pw";

  /** A client under test: its name and how to start it writing against a cluster. */
  record Client(String name, Function<LocalCluster, Acks> start) {}

  /** One client and fault over all trials, with the acknowledged writes lost from the faults' starts until they settled. */
  record Row(String client, ClientFaults.Fault fault, List<Long> firstAckMillis, int lost) {}

  static List<Client> clients() {
    List<Client> clients = new ArrayList<>();
    for (SentinelClient c : SentinelClient.values()) {
      clients.add(new Client(c.label, cluster -> c.start(cluster, MASTER, PASSWORD, "bench-client:" + c)));
    }
    return clients;
  }

  static List<Row> run(Path dir, int trials, List<String> sidecarArgs, List<Client> clients,
      java.util.function.Consumer<String> progress) {
    List<Row> rows = new ArrayList<>();
    for (Client client : clients) {
      LocalCluster.Builder b = LocalCluster.builder().dir(dir.resolve(client.name().replaceAll("\\W+", "-")))
          .password(PASSWORD).sentinelEndpoint(MASTER);
      b.args(sidecarArgs.toArray(String[]::new));
      try (LocalCluster cluster = b.start()) {
        LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(60));
        cluster.awaitReplicasInSync(leader, Duration.ofSeconds(60));
        List<List<Long>> times = new ArrayList<>();
        for (int f = 0; f < ClientFaults.Fault.values().length; f++) {
          times.add(new ArrayList<>());
        }
        List<long[]> windows = new ArrayList<>();
        try (Acks writer = client.start().apply(cluster)) {
          Awaitility.await(client.name() + " writes").atMost(Duration.ofSeconds(60)).until(() -> writer.ackCount() > 20);
          for (int t = 1; t <= trials; t++) {
            for (ClientFaults.Fault fault : ClientFaults.Fault.values()) {
              ClientFaults.Outcome o = ClientFaults.inject(cluster, fault, writer, Duration.ofSeconds(60), writer::errorSummary);
              times.get(fault.ordinal()).add(o.firstAckMillis());
              progress.accept(String.format("%-22s %-18s trial %d: first ack on the new primary %s after %d ms",
                  client.name(), fault.description, t, o.to().name, o.firstAckMillis()));
              ClientFaults.recover(cluster, o, Duration.ofSeconds(60));
              windows.add(new long[] {fault.ordinal(), o.atNanos(), java.lang.System.nanoTime()});
            }
          }
          LocalCluster.Node last = cluster.awaitLeader(Duration.ofSeconds(30));
          writer.close();
          List<String> stored;
          try (Jedis j = last.redis.jedis()) {
            stored = j.lrange(writer.key(), 0, -1);
          }
          List<Long> lost = writer.lost(stored);
          // A crash may lose what had not reached a replica; a write acknowledged from a planned move's
          // start until it settled may not.
          for (ClientFaults.Fault fault : ClientFaults.Fault.values()) {
            int lostInFault = (int) writer.acks().stream()
                .filter(a -> lost.contains(a.value()))
                .filter(a -> windows.stream().anyMatch(w -> w[0] == fault.ordinal() && a.nanos() >= w[1] && a.nanos() <= w[2]))
                .count();
            rows.add(new Row(client.name(), fault, times.get(fault.ordinal()), lostInFault));
          }
        }
      }
    }
    return rows;
  }

  static String markdown(List<Row> rows, int trials) {
    StringBuilder md = new StringBuilder("\n## Sentinel clients through the Sentinel-compatible endpoint\n\n")
        .append("Each library configured as applications configure it (the sidecars' endpoints as its Sentinels,"
            + " master name `mymaster`, 10 s read timeout, one write every 5 ms), on its own 3-node cluster; ")
        .append(trials).append(" trial(s) of each fault in turn. Time from the fault to the library's first write"
            + " acknowledged by the new primary; lost: writes acknowledged from the fault until the cluster settled"
            + " and missing afterwards (a crash may lose what no replica had yet; a planned move may not).\n\n")
        .append("| client | fault | median ms | min-max ms | lost |\n|---|---|---|---|---|\n");
    for (Row r : rows) {
      List<Long> sorted = r.firstAckMillis().stream().sorted().toList();
      md.append("| ").append(r.client()).append(" | ").append(r.fault().description).append(" | ")
          .append(sorted.isEmpty() ? "-" : sorted.get(sorted.size() / 2)).append(" | ")
          .append(sorted.isEmpty() ? "-" : sorted.get(0) + "-" + sorted.get(sorted.size() - 1)).append(" | ")
          .append(r.lost()).append(" |\n");
    }
    return md.toString();
  }
}
