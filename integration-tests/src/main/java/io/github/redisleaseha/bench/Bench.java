package io.github.redisleaseha.bench;

import io.github.redisleaseha.harness.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code make bench}: times failovers and counts lost and split-brain writes, for redis-lease-ha and
 * for Redis Sentinel on the same machine, with the same writer and the same faults, in one run; and,
 * over one idle window, each system's footprint and the requests our idle cluster makes to the API server.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure failovers of redis-lease-ha side by side with Redis Sentinel.")
public final class Bench implements Callable<Integer> {

  @Option(names = "--trials", defaultValue = "5", description = "Trials per scenario and system. Default: ${DEFAULT-VALUE}.")
  int trials;

  @Option(names = "--out", defaultValue = "target/bench", description = "Directory for bench.md, bench.csv, bench-api.csv, bench.png. Default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--sentinel", split = ",", defaultValue = "5000/10000,1000/3000",
      description = "Sentinel runs as down-after/failover-timeout in ms (--sentinel= for none). Default: ${DEFAULT-VALUE}.")
  List<String> sentinel;

  @Option(names = "--scenarios", split = ",", description = "Scenarios to run (default: all): ${COMPLETION-CANDIDATES}.")
  List<Scenario> scenarios = Arrays.asList(Scenario.values());

  @Option(names = "--idle-seconds", defaultValue = "60", description = "Idle window for RSS, CPU and API requests. Default: ${DEFAULT-VALUE}.")
  long idleSeconds;

  @Option(names = "--lease-duration", defaultValue = "4s",
      description = "The sidecars' --lease-duration; the freeze lasts 2 s longer. Default: ${DEFAULT-VALUE}.")
  String leaseDuration;

  @Option(names = "--client-trials", defaultValue = "3",
      description = "Trials of each fault per Sentinel client library through the endpoint (0: skip). Default: ${DEFAULT-VALUE}.")
  int clientTrials;

  @Option(names = "--clients-only", description = "Only the Sentinel client libraries through the endpoint (bench-clients.md).")
  boolean clientsOnly;

  @Option(names = "--sidecar-arg", description = "Any further sidecar flag, e.g. --sidecar-arg=--renew-deadline=2s (repeatable).")
  List<String> sidecarArgs = new ArrayList<>();

  public static void main(String[] args) {
    java.lang.System.exit(new CommandLine(new Bench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (trials < 1) {
      java.lang.System.err.println("--trials: must be at least 1");
      return 2;
    }
    Files.createDirectories(out);
    Path runs = Files.createDirectories(out.resolve("runs-" + java.lang.System.currentTimeMillis()));
    long started = java.lang.System.nanoTime();
    List<Trial.Result> results = new ArrayList<>();
    List<Footprints.Usage> usage = new ArrayList<>();
    List<String> others = new ArrayList<>();
    String startup;
    ApiLoad.Result apiLoad;

    progress("redis-lease-ha: starting 3 Redis, 3 sidecars and the embedded API server");
    String ours;
    List<String> args = new ArrayList<>(List.of("--lease-duration=" + leaseDuration));
    args.addAll(sidecarArgs);
    if (clientsOnly) {
      String md = "# Sentinel clients\n\nCommand: `make bench BENCH_ARGS=--clients-only` (`--client-trials " + clientTrials
          + "`).\n" + clientFailovers(runs, args);
      Files.writeString(out.resolve("bench-clients.md"), md);
      java.lang.System.out.println(md);
      progress("wrote " + out.resolve("bench-clients.md"));
      return 0;
    }
    long freeze = io.github.redisleaseha.config.Durations.parse(leaseDuration).toMillis() + 2_000;
    progress("redis-lease-ha sidecar flags: " + String.join(" ", args));
    try (Ours system = new Ours(runs.resolve("ours"), args, freeze)) {
      ours = system.label();
      system.awaitHealthy();
      startup = measureStartup(system.cluster(), Math.min(3, trials));
      progress(startup);
      List<LocalCluster.Node> nodes = system.cluster().nodes();
      // One idle window for the footprint and the API load; the harness makes no API call in it.
      system.awaitSettled();
      long from = ApiLoad.mark(system.requestLog());
      long windowStart = java.lang.System.nanoTime();
      usage.addAll(Footprints.measure(
          nodes.stream().map(n -> "sidecar " + n.name).toList(), nodes.stream().map(n -> n.sidecar.pid()).toList(), idleSeconds));
      double window = (java.lang.System.nanoTime() - windowStart) / 1e9;
      apiLoad = ApiLoad.count(system.requestLog(), from, ApiLoad.mark(system.requestLog()), window, nodes.size());
      progress(apiLoad.sentence());
      runTrials(system, results);
    }
    for (String timings : sentinel) {
      if (timings.isBlank()) {
        continue;
      }
      String[] t = timings.split("/");
      progress("Sentinel: starting 3 redis-server and 3 redis-sentinel, down-after " + t[0] + " ms, failover-timeout " + t[1] + " ms");
      try (Sentinel system = new Sentinel(runs.resolve("sentinel-" + t[0]), Integer.parseInt(t[0]), Integer.parseInt(t[1]))) {
        others.add(system.label());
        if (others.size() == 1) {
          usage.addAll(sentinelUsage(system, runs));
        }
        runTrials(system, results);
      }
    }

    String clients = clientTrials > 0 ? clientFailovers(runs, args) : "";

    List<Report.Row> rows = Report.rows(results);
    String md = "# Failover measurements\n\nCommand: `make bench` (`--trials " + trials + "`), "
        + rows.size() + " scenario/system pairs, " + results.size() + " trials, "
        + TimeUnit.NANOSECONDS.toSeconds(java.lang.System.nanoTime() - started) + " s.\n\n"
        + Report.markdown(rows, ours, others, usage, startup, apiLoad) + clients;
    Files.writeString(out.resolve("bench.md"), md);
    Report.csv(results, out.resolve("bench.csv"));
    Report.apiCsv(apiLoad, out.resolve("bench-api.csv"));
    List<String> systems = new ArrayList<>(List.of(ours));
    systems.addAll(others);
    Report.chart(rows, systems, out.resolve("bench.png"));
    java.lang.System.out.println();
    java.lang.System.out.println(md);
    progress("wrote " + out.resolve("bench.md") + ", bench.csv, bench-api.csv and bench.png");
    return 0;
  }

  private String clientFailovers(Path runs, List<String> args) {
    progress("Sentinel clients through the endpoint: " + clientTrials + " trial(s) of each fault per library");
    return ClientFailovers.markdown(
        ClientFailovers.run(runs.resolve("clients"), clientTrials, args, ClientFailovers.clients(), Bench::progress),
        clientTrials);
  }

  private void runTrials(System system, List<Trial.Result> results) {
    for (Scenario s : scenarios) {
      if (!system.supports(s)) {
        continue;
      }
      for (int i = 1; i <= trials; i++) {
        Trial.Result r = Trial.run(system, s, i);
        results.add(r);
        progress(String.format("%-16s %-52s trial %d: unavailable %5d ms, lost %d, split-brain %d, %s -> %s%s",
            system.label(), s.description, i, r.unavailableMs(), r.lost(), r.splitBrain(), r.from(), r.to(),
            r.recovered() ? "" : " (NOT RECOVERED within the bound)"));
        system.recover(s, r.from());
      }
    }
  }

  /** Time from JVM start to ready of a replica's sidecar, restarted {@code times} times. */
  private static String measureStartup(LocalCluster cluster, int times) {
    String leader = cluster.leaseState().holder();
    LocalCluster.Node replica = cluster.nodes().stream().filter(n -> !n.name.equals(leader)).findFirst().orElseThrow();
    long[] ms = new long[times];
    for (int i = 0; i < ms.length; i++) {
      replica.sidecar.terminate(30_000);
      replica.sidecar.start();
      Awaitility.await("sidecar ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(replica.sidecar::ready);
      ms[i] = TimeUnit.NANOSECONDS.toMillis(java.lang.System.nanoTime() - replica.sidecar.startedAtNanos());
    }
    Arrays.sort(ms);
    return "Sidecar start to ready (JVM launch to /readyz 200, a replica restarted " + times + " times): "
        + Arrays.toString(ms) + " ms.";
  }

  private List<Footprints.Usage> sentinelUsage(Sentinel system, Path runs) throws InterruptedException {
    system.awaitHealthy();
    List<Long> pids = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (var n : system.cluster().nodes()) {
      pids.add(n.sentinel().pid());
      names.add("redis-sentinel " + n.name);
    }
    return Footprints.measure(names, pids, idleSeconds);
  }

  private static final long START = java.lang.System.nanoTime();

  private static void progress(String line) {
    java.lang.System.out.printf("[bench %4ds] %s%n", TimeUnit.NANOSECONDS.toSeconds(java.lang.System.nanoTime() - START), line);
    java.lang.System.out.flush();
  }
}
