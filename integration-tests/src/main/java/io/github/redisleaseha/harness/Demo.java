package io.github.redisleaseha.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;

/**
 * {@code make demo}: a three-node local cluster with a writer on the write endpoint; kills the
 * leader's Redis, then stops the new leader gracefully, printing a timeline of each failover; then
 * runs the operations commands (status, explain, switchover) against it.
 */
public final class Demo {

  public static void main(String[] args) throws Exception {
    Path dir = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target/demo"));
    say("Starting a local cluster: embedded Kubernetes API server, 3 redis-server, 3 sidecars (logs in " + dir.toAbsolutePath() + ")");
    try (LocalCluster cluster = LocalCluster.builder().size(3).dir(dir.resolve("run-" + System.currentTimeMillis())).start()) {
      long t0 = System.nanoTime();
      LocalCluster.Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
      say("1. " + leader.name + " leads (Lease holder, write endpoint " + cluster.endpointTarget() + ") after "
          + (System.nanoTime() - t0) / 1_000_000 + " ms. Roles: " + cluster.roles());

      cluster.awaitReplicasInSync(leader, Duration.ofSeconds(30));
      try (Writer writer = cluster.writer()) {
        writer.start();
        awaitAcks(writer, 300);
        say("   A writer appends a numbered value every 5 ms through the write endpoint.");

        say("2. kill -9 of " + leader.name + "'s Redis");
        long fault = System.nanoTime();
        FailoverTimeline timeline = new FailoverTimeline(cluster, writer, leader, fault);
        leader.redis.kill();
        FailoverTimeline.Result crash = timeline.result(30_000);
        printResult(crash);
        LocalCluster.Node second = cluster.awaitLeader(Duration.ofSeconds(30));
        say("   Restarting " + leader.name + "'s Redis (it comes back empty and must rejoin as a replica)");
        leader.redis.start();
        cluster.awaitReplicasInSync(second, Duration.ofSeconds(30));
        say("   Roles: " + cluster.roles());
        awaitAcks(writer, writer.ackCount() + 200);

        say("3. Graceful stop (SIGTERM) of " + second.name + "'s sidecar: hand over with Redis FAILOVER");
        fault = System.nanoTime();
        timeline = new FailoverTimeline(cluster, writer, second, fault);
        int exit = second.sidecar.terminate(30_000);
        FailoverTimeline.Result graceful = timeline.result(30_000);
        printResult(graceful);
        say("   " + second.name + "'s sidecar exited with code " + exit + ". Roles: " + cluster.roles());
        LocalCluster.Node third = cluster.awaitLeader(Duration.ofSeconds(30));
        awaitAcks(writer, writer.ackCount() + 100);

        say("4. Operations. " + second.name + "'s sidecar starts again, then the operator looks and moves the leader back:");
        second.sidecar.start();
        Awaitility.await(second.name + " ready").atMost(Duration.ofSeconds(30)).until(second.sidecar::ready);
        for (String[] command : List.of(
            new String[] {"status"}, new String[] {"explain"}, new String[] {"switchover", "--to", second.name},
            new String[] {"status"})) {
          LocalCluster.CliResult r = cluster.cli(command[0], java.util.Arrays.copyOfRange(command, 1, command.length));
          say("   $ redis-lease-ha " + String.join(" ", command) + "   (exit " + r.exitCode() + ")");
          (r.out() + r.err()).lines().forEach(l -> say("     " + l));
        }
        LocalCluster.Node last = cluster.awaitLeader(Duration.ofSeconds(30));
        awaitAcks(writer, writer.ackCount() + 100);
        writer.close();

        List<Long> lost;
        try (Jedis j = last.redis.jedis()) {
          lost = writer.lost(j.lrange(Writer.KEY, 0, -1));
        }
        say("");
        say("Summary: " + writer.ackCount() + " acknowledged writes, " + lost.size() + " lost on the final primary " + last.name
            + (lost.isEmpty() ? "" : " " + lost.subList(0, Math.min(10, lost.size()))));
        say(String.format("  Redis crash:       write unavailability %d ms", crash.unavailableMs()));
        say(String.format("  Graceful handover: write unavailability %d ms", graceful.unavailableMs()));
      }
    }
  }

  private static void printResult(FailoverTimeline.Result r) {
    for (String line : r.lines()) {
      say(line);
    }
    say("   Write unavailability: " + r.unavailableMs() + " ms (last ack before the fault to first ack on " + r.to() + ")");
  }

  static void awaitAcks(Writer writer, int count) {
    Awaitility.await("writer acknowledgements").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> writer.ackCount() >= count);
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
