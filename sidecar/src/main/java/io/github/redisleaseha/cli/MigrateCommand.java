package io.github.redisleaseha.cli;

import io.github.redisleaseha.config.Secret;
import io.github.redisleaseha.ops.ClusterClient;
import io.github.redisleaseha.ops.ClusterView;
import io.github.redisleaseha.ops.SentinelMigration;
import io.github.redisleaseha.ops.SentinelMigration.SentinelReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * {@code migrate-from-sentinel}: the last step of moving a Sentinel-managed deployment to the
 * sidecars. Once the sidecars run beside every Redis and have adopted the running master (the Lease
 * records it, nothing was promoted), this makes every Sentinel stop monitoring the master ({@code
 * SENTINEL REMOVE}), so that Sentinel can no longer fail over, and checks that nothing moved. The
 * checks are in {@link SentinelMigration}; with {@code --dry-run} only they run.
 */
@Command(name = "migrate-from-sentinel", mixinStandardHelpOptions = true,
    description = "Take over from Sentinel: once the sidecars lead with the master Sentinel manages, make every Sentinel"
        + " stop monitoring it (SENTINEL REMOVE), without a failover.")
public final class MigrateCommand extends OpsCommand {

  @Option(names = "--sentinels", required = true, split = ",",
      description = "Every running Sentinel, as host:port,host:port,... (all of them: one left monitoring could fail over).")
  List<String> sentinels;

  @Option(names = "--sentinel-master-name", defaultValue = "${env:SENTINEL_MASTER_NAME:-mymaster}",
      description = "The master name the Sentinels monitor. Env SENTINEL_MASTER_NAME. Default: ${DEFAULT-VALUE}.")
  String masterName;

  @Option(names = "--sentinel-password-file", defaultValue = "${env:REDIS_PASSWORD_FILE}",
      description = "File holding the Sentinels' password (Bitnami's chart uses the Redis password). Env REDIS_PASSWORD_FILE.")
  Path passwordFile;

  @Option(names = "--adopt-timeout", defaultValue = "60s", converter = RunCommand.DurationConverter.class,
      description = "How long to wait for the sidecars to adopt the master. Default: ${DEFAULT-VALUE}.")
  Duration adoptTimeout;

  @Option(names = "--dry-run", description = "Only check and report; change nothing.")
  boolean dryRun;

  private final List<HostAndPort> addresses = new ArrayList<>();
  private Secret password;

  @Override
  void checkArguments() throws ClusterOptions.UsageError {
    for (String s : sentinels) {
      String a = s.trim();
      int colon = a.lastIndexOf(':');
      if (colon <= 0 || !a.substring(colon + 1).matches("\\d{1,5}") || Integer.parseInt(a.substring(colon + 1)) > 65535
          || Integer.parseInt(a.substring(colon + 1)) == 0) {
        throw new ClusterOptions.UsageError("--sentinels: '" + a + "' is not host:port");
      }
      addresses.add(new HostAndPort(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
    }
    if (masterName == null || !masterName.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ClusterOptions.UsageError("--sentinel-master-name (SENTINEL_MASTER_NAME): '" + masterName
          + "' is not a master name (1-64 letters, digits, '.', '_', '-')");
    }
    if (adoptTimeout.isNegative()) {
      throw new ClusterOptions.UsageError("--adopt-timeout: must not be negative");
    }
    if (passwordFile != null) {
      try {
        String value = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        if (value.isEmpty()) {
          throw new ClusterOptions.UsageError("--sentinel-password-file (REDIS_PASSWORD_FILE): " + passwordFile + " is empty");
        }
        password = new Secret(value);
      } catch (IOException e) {
        throw new ClusterOptions.UsageError("--sentinel-password-file (REDIS_PASSWORD_FILE): cannot read " + passwordFile);
      }
    }
  }

  @Override
  int run(ClusterClient client) throws Exception {
    List<SentinelReport> reports = readAll();
    reports.forEach(r -> out().println(r.describe()));
    if (SentinelMigration.monitoring(reports).isEmpty() && reports.stream().allMatch(r -> r.error() == null)) {
      out().println("No Sentinel monitors '" + masterName + "' any more: nothing to do.");
      return 0;
    }
    Optional<String> refusal = awaitAdoption(client, reports);
    if (refusal.isPresent()) {
      return refuse(refusal.get());
    }
    ClusterView view = client.view();
    String master = SentinelMigration.monitoring(reports).get(0).master();
    String leader = view.leader().orElseThrow().name();
    out().println("The sidecars lead with " + leader + ", the master Sentinel manages (" + master
        + "), recorded on the Lease " + client.leaseName() + ".");
    if (dryRun) {
      out().println("Dry run: Sentinel may be removed now; nothing was changed.");
      return 0;
    }
    List<String> removed = new ArrayList<>();
    SentinelReport before = SentinelMigration.monitoring(reports).get(0);
    for (HostAndPort a : addresses) {
      String address = a.toString();
      SentinelReport now = read(a);
      if (now.error() != null || now.monitors()
          && (!"master".equals(now.flags()) || now.configEpoch() != before.configEpoch() || !now.master().equals(before.master()))) {
        return stopped(removed, "Sentinel " + address + " changed before its removal: " + now.describe());
      }
      if (!now.monitors()) {
        out().println("Sentinel " + address + ": removed already");
        continue;
      }
      try (Jedis j = connect(a)) {
        j.sentinelRemove(masterName);
      } catch (RuntimeException e) {
        return stopped(removed, "Sentinel " + address + " refused SENTINEL REMOVE: " + e.getMessage());
      }
      removed.add(address);
      out().println("Sentinel " + address + ": no longer monitors '" + masterName + "'");
      out().flush();
    }
    for (SentinelReport r : readAll()) {
      if (r.error() != null || r.monitors()) {
        return stopped(removed, "after the removal, " + r.describe());
      }
    }
    Optional<String> moved = SentinelMigration.notAdopted(master, client.view());
    if (moved.isPresent()) {
      err().println("Warning: Sentinel is removed, but " + moved.get() + "; check `redis-lease-ha status`.");
      return REFUSED;
    }
    out().println("Done: Sentinel no longer manages '" + masterName + "'; " + leader + " still leads, and nothing failed over.");
    out().println("Next: stop the Sentinel processes (with Bitnami's chart: the sentinel container). Sentinel clients"
        + " keep finding the master through the sidecars' Sentinel-compatible endpoint under '" + masterName
        + "' until they move to the write Service.");
    return 0;
  }

  private Optional<String> awaitAdoption(ClusterClient client, List<SentinelReport> reports) throws Exception {
    long deadline = System.nanoTime() + adoptTimeout.toNanos();
    boolean said = false;
    while (true) {
      Optional<String> refusal = SentinelMigration.refusal(masterName, reports, client.view());
      if (refusal.isEmpty() || System.nanoTime() >= deadline) {
        return refusal;
      }
      if (!said) {
        out().println("Waiting up to " + adoptTimeout.toSeconds() + " s for the sidecars to adopt the master ("
            + refusal.get() + ")...");
        out().flush();
        said = true;
      }
      TimeUnit.MILLISECONDS.sleep(500);
      reports = readAll();
    }
  }

  private int stopped(List<String> removed, String why) {
    err().println("Stopped: " + why + ". "
        + (removed.isEmpty() ? "Nothing was changed."
            : "Already removed from " + String.join(", ", removed) + "; run the command again once the cause is fixed."));
    return REFUSED;
  }

  private List<SentinelReport> readAll() {
    List<SentinelReport> reports = new ArrayList<>();
    for (HostAndPort a : addresses) {
      reports.add(read(a));
    }
    return reports;
  }

  private SentinelReport read(HostAndPort a) {
    try (Jedis j = connect(a)) {
      for (Map<String, String> m : j.sentinelMasters()) {
        if (masterName.equals(m.get("name"))) {
          return SentinelReport.of(a.toString(), m);
        }
      }
      return SentinelReport.notMonitoring(a.toString());
    } catch (RuntimeException e) {
      return SentinelReport.failed(a.toString(), e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private Jedis connect(HostAndPort a) {
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(2000).socketTimeoutMillis(2000);
    if (password != null) {
      config.password(password.reveal());
    }
    return new Jedis(a, config.build());
  }
}
