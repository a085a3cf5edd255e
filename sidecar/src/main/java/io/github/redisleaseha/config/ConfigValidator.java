package io.github.redisleaseha.config;

import io.github.redisleaseha.core.Member;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one place where raw flag values become a {@link SidecarConfig}. Every problem is reported as a
 * sentence that names the flag, all at once, and nothing is contacted before validation passes.
 */
public final class ConfigValidator {

  /** DNS-1123 subdomain, what Kubernetes accepts as an object name. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /** A Kubernetes label key: an optional DNS-subdomain prefix and "/", then a name of up to 63 characters. */
  private static final Pattern LABEL_KEY =
      Pattern.compile("([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?|[0-9a-fA-F:.]+");

  /** Raw values as given on the command line or in the environment. */
  public record Raw(
      String podName,
      String namespace,
      String leaseName,
      String announceHost,
      Integer announcePort,
      String redisHost,
      int redisPort,
      String peers,
      String peerSelector,
      String writeService,
      EndpointsMode endpointsMode,
      Duration leaseDuration,
      Duration renewDeadline,
      Duration retryPeriod,
      Duration healthInterval,
      int healthFailures,
      Duration catchupTimeout,
      long maxLagBytes,
      Duration handoverTimeout,
      int httpPort,
      boolean noFailover,
      Path redisUserFile,
      String redisUserEnv,
      Path redisPasswordFile,
      String redisPasswordEnv,
      String kubeApiUrl,
      int minReplicasToWrite,
      int minReplicasMaxLag,
      boolean redisTls,
      Path redisTlsCaFile,
      Path redisTlsCertFile,
      Path redisTlsKeyFile,
      String roleLabel,
      Duration stallTimeout,
      Duration apiTimeout,
      Path clusterKeyFile,
      Duration renewInterval,
      Duration heartbeatInterval,
      Duration peerTimeout,
      String peerHttpPorts,
      int sentinelPort,
      String sentinelBind,
      String sentinelMasterName) {}

  /** Thrown with every problem found; the message lists them one per line. */
  public static final class InvalidConfigException extends Exception {
    private final List<String> problems;

    InvalidConfigException(List<String> problems) {
      super(String.join("\n", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  private ConfigValidator() {}

  public static SidecarConfig validate(Raw r) throws InvalidConfigException {
    List<String> p = new ArrayList<>();
    requireName(p, "--pod-name (POD_NAME)", r.podName());
    requireName(p, "--namespace (POD_NAMESPACE)", r.namespace());
    requireName(p, "--lease-name (LEASE_NAME)", r.leaseName());
    requireName(p, "--write-service (WRITE_SERVICE)", r.writeService());
    if (blank(r.announceHost())) {
      p.add("--announce-host (ANNOUNCE_HOST): required; give the pod IP or its stable DNS name");
    } else if (!HOST.matcher(r.announceHost()).matches()) {
      p.add("--announce-host (ANNOUNCE_HOST): '" + r.announceHost() + "' is not a host name or IP address");
    }
    if (blank(r.redisHost()) || !HOST.matcher(r.redisHost()).matches()) {
      p.add("--redis-host (REDIS_HOST): '" + r.redisHost() + "' is not a host name or IP address");
    }
    port(p, "--redis-port (REDIS_PORT)", r.redisPort());
    int announcePort = r.announcePort() == null ? r.redisPort() : r.announcePort();
    port(p, "--announce-port (ANNOUNCE_PORT)", announcePort);
    port(p, "--http-port (HTTP_PORT)", r.httpPort());

    List<Member> peers = parsePeers(p, r.peers());
    java.util.Map<String, Integer> peerHttpPorts = parsePeerHttpPorts(p, r.peerHttpPorts(), peers);
    boolean hasSelector = !blank(r.peerSelector());
    if (peers.isEmpty() && !hasSelector) {
      p.add("--peers (PEERS) or --peer-selector (PEER_SELECTOR): one of them is required to find the other pods");
    }
    if (!peers.isEmpty() && hasSelector) {
      p.add("--peers (PEERS) and --peer-selector (PEER_SELECTOR): give only one of them");
    }

    checkTimings(p, r);
    if (r.healthFailures() < 1 || r.healthFailures() > 100) {
      p.add("--health-failures (HEALTH_FAILURES): must be between 1 and 100, got " + r.healthFailures());
    }
    positive(p, "--health-interval (HEALTH_INTERVAL)", r.healthInterval());
    positive(p, "--catchup-timeout (CATCHUP_TIMEOUT)", r.catchupTimeout());
    positive(p, "--handover-timeout (HANDOVER_TIMEOUT)", r.handoverTimeout());
    if (r.stallTimeout().compareTo(r.healthInterval()) <= 0) {
      p.add("--stall-timeout (STALL_TIMEOUT): must be longer than --health-interval (" + Durations.format(r.stallTimeout())
          + " <= " + Durations.format(r.healthInterval()) + ")");
    }
    if (r.maxLagBytes() < 0) {
      p.add("--max-lag-bytes (MAX_LAG_BYTES): must not be negative, got " + r.maxLagBytes());
    }
    if (r.minReplicasToWrite() < 0) {
      p.add("--min-replicas-to-write (MIN_REPLICAS_TO_WRITE): must not be negative");
    }
    if (r.minReplicasMaxLag() < 1) {
      p.add("--min-replicas-max-lag (MIN_REPLICAS_MAX_LAG): must be at least 1 second");
    }
    if (!blank(r.kubeApiUrl()) && !r.kubeApiUrl().matches("https?://[^\\s/]+(/.*)?")) {
      p.add("--kube-api-url (KUBE_API_URL): '" + r.kubeApiUrl() + "' is not an http(s) URL");
    }
    Secret user = readSecret(p, "--redis-user-file (REDIS_USER_FILE)", r.redisUserFile(), r.redisUserEnv());
    Secret password = readSecret(p, "--redis-password-file (REDIS_PASSWORD_FILE)", r.redisPasswordFile(), r.redisPasswordEnv());
    RedisTls tls = tls(p, r);
    ClusterKey clusterKey = clusterKey(p, r.clusterKeyFile());
    if (!blank(r.roleLabel()) && !LABEL_KEY.matcher(r.roleLabel()).matches()) {
      p.add("--role-label (ROLE_LABEL): '" + r.roleLabel() + "' is not a label key ([prefix/]name, name up to 63 characters)");
    }

    SentinelSettings sentinel = sentinel(p, r);

    if (!p.isEmpty()) {
      throw new InvalidConfigException(p);
    }
    return new SidecarConfig(
        r.podName(),
        r.namespace(),
        r.leaseName(),
        new Member(r.podName(), r.announceHost(), announcePort),
        r.redisHost(),
        r.redisPort(),
        peers,
        hasSelector ? r.peerSelector() : null,
        r.writeService(),
        r.endpointsMode(),
        r.leaseDuration(),
        r.renewDeadline(),
        r.retryPeriod(),
        r.healthInterval(),
        r.healthFailures(),
        r.catchupTimeout(),
        r.maxLagBytes(),
        r.handoverTimeout(),
        r.httpPort(),
        r.noFailover(),
        user == null ? null : user.reveal(),
        password,
        blank(r.kubeApiUrl()) ? null : r.kubeApiUrl(),
        r.minReplicasToWrite(),
        r.minReplicasMaxLag(),
        tls,
        blank(r.roleLabel()) ? null : r.roleLabel(),
        r.redisUserFile(),
        r.redisPasswordFile(),
        r.stallTimeout(),
        r.apiTimeout(),
        clusterKey,
        r.renewInterval(),
        r.heartbeatInterval(),
        r.peerTimeout(),
        peerHttpPorts,
        sentinel);
  }

  /** A Sentinel master name: printable ASCII without spaces, as Sentinel's own configuration accepts. */
  private static final java.util.regex.Pattern MASTER_NAME = java.util.regex.Pattern.compile("[!-~]{1,128}");

  /** The Sentinel-compatible endpoint: off at port 0. */
  private static SentinelSettings sentinel(List<String> p, Raw r) {
    if (r.sentinelPort() == 0) {
      return null;
    }
    port(p, "--sentinel-port (SENTINEL_PORT)", r.sentinelPort());
    if (r.sentinelPort() == r.httpPort()) {
      p.add("--sentinel-port (SENTINEL_PORT): " + r.sentinelPort() + " is also --http-port (HTTP_PORT); give another port");
    }
    if (r.sentinelPort() == r.redisPort()) {
      p.add("--sentinel-port (SENTINEL_PORT): " + r.sentinelPort() + " is also --redis-port (REDIS_PORT); give another port"
          + " (Sentinel's is 26379)");
    }
    if (blank(r.sentinelMasterName()) || !MASTER_NAME.matcher(r.sentinelMasterName()).matches()) {
      p.add("--sentinel-master-name (SENTINEL_MASTER_NAME): '" + (r.sentinelMasterName() == null ? "" : r.sentinelMasterName())
          + "' is not a master name (1 to 128 printable characters, no spaces)");
    }
    if (!blank(r.sentinelBind()) && !HOST.matcher(r.sentinelBind()).matches()) {
      p.add("--sentinel-bind (SENTINEL_BIND): '" + r.sentinelBind() + "' is not an IP address or host name");
    }
    return new SentinelSettings(r.sentinelPort(), blank(r.sentinelBind()) ? null : r.sentinelBind(), r.sentinelMasterName());
  }

  /** {@code name=port,...}: each name one of the static peers. */
  private static java.util.Map<String, Integer> parsePeerHttpPorts(List<String> p, String text, List<Member> peers) {
    java.util.Map<String, Integer> ports = new java.util.LinkedHashMap<>();
    if (blank(text)) {
      return ports;
    }
    for (String item : text.split(",")) {
      String entry = item.trim();
      int eq = entry.indexOf('=');
      String name = eq > 0 ? entry.substring(0, eq) : "";
      int port;
      try {
        port = eq > 0 ? Integer.parseInt(entry.substring(eq + 1)) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        p.add("--peer-http-ports (PEER_HTTP_PORTS): '" + entry + "' is not name=port with a port of 1-65535");
      } else if (peers.stream().noneMatch(m -> m.name().equals(name))) {
        p.add("--peer-http-ports (PEER_HTTP_PORTS): '" + name + "' is not one of --peers (PEERS)");
      } else {
        ports.put(name, port);
      }
    }
    return ports;

  }

  /**
   * The cluster key, or null without {@code --cluster-key-file}: the mutating HTTP endpoints are then
   * disabled (see {@code http.ClusterKeyAuth}). A file that is given must hold a usable key.
   */
  private static ClusterKey clusterKey(List<String> p, Path file) {
    if (file == null) {
      return null;
    }
    try {
      return ClusterKey.read(file);
    } catch (ClusterKey.UnusableKeyException e) {
      p.add(ClusterKey.FLAG + ": " + e.getMessage());
      return null;
    }
  }

  /** TLS when asked for or when any TLS file is given; null for plain TCP. */
  private static RedisTls tls(List<String> p, Raw r) {
    boolean wanted = r.redisTls() || r.redisTlsCaFile() != null || r.redisTlsCertFile() != null || r.redisTlsKeyFile() != null;
    if (!wanted) {
      return null;
    }
    if ((r.redisTlsCertFile() == null) != (r.redisTlsKeyFile() == null)) {
      p.add(RedisTls.CERT_FLAG + " and " + RedisTls.KEY_FLAG + ": give both or neither");
      return null;
    }
    try {
      return RedisTls.load(r.redisTlsCaFile(), r.redisTlsCertFile(), r.redisTlsKeyFile());
    } catch (RedisTls.TlsConfigException e) {
      p.add(e.getMessage());
      return null;
    }
  }

  /**
   * The timing rules of client-go's leader election, plus whole seconds for the lease duration: the
   * Lease stores whole seconds and the client truncates, so 2500ms would silently become 2s.
   */
  private static void checkTimings(List<String> p, Raw r) {
    Duration lease = r.leaseDuration();
    Duration renew = r.renewDeadline();
    Duration retry = r.retryPeriod();
    positive(p, "--lease-duration (LEASE_DURATION)", lease);
    positive(p, "--renew-deadline (RENEW_DEADLINE)", renew);
    positive(p, "--retry-period (RETRY_PERIOD)", retry);
    if (lease.toMillis() % 1000 != 0) {
      p.add("--lease-duration (LEASE_DURATION): must be whole seconds (the Lease stores seconds), got "
          + Durations.format(lease));
    }
    if (renew.compareTo(lease) >= 0) {
      p.add("--renew-deadline (RENEW_DEADLINE): must be shorter than --lease-duration ("
          + Durations.format(renew) + " >= " + Durations.format(lease) + "); the difference is the fencing margin");
    }
    if (retry.compareTo(renew) >= 0) {
      p.add("--retry-period (RETRY_PERIOD): must be shorter than --renew-deadline ("
          + Durations.format(retry) + " >= " + Durations.format(renew) + ")");
    }
    positive(p, "--api-timeout (API_TIMEOUT)", r.apiTimeout());
    Duration interval = r.renewInterval();
    if (interval.compareTo(retry) < 0) {
      p.add("--renew-interval (RENEW_INTERVAL): must not be shorter than --retry-period (" + Durations.format(interval)
          + " < " + Durations.format(retry) + ")");
    } else if (interval.plus(r.apiTimeout()).compareTo(renew) > 0) {
      p.add("--renew-interval (RENEW_INTERVAL): plus --api-timeout must not exceed --renew-deadline ("
          + Durations.format(interval) + " + " + Durations.format(r.apiTimeout()) + " > " + Durations.format(renew)
          + "): a renewal that times out must leave the leader time to fence");
    }
    if (r.heartbeatInterval().toMillis() < 50 || r.heartbeatInterval().compareTo(renew) >= 0) {
      p.add("--heartbeat-interval (HEARTBEAT_INTERVAL): must be at least 50ms and shorter than --renew-deadline, got "
          + Durations.format(r.heartbeatInterval()));
    }
    if (r.peerTimeout().toMillis() < 10 || r.peerTimeout().compareTo(renew) >= 0) {
      p.add("--peer-timeout (PEER_TIMEOUT): must be at least 10ms and shorter than --renew-deadline, got "
          + Durations.format(r.peerTimeout()));
    }
    if (renew.compareTo(lease) < 0 && !r.healthInterval().isNegative() && !r.apiTimeout().isNegative()) {
      // The fencing margin: after the renew deadline the fence guard needs up to one guard period to
      // send the pause and one Redis command timeout for its reply; a leader write sent just before
      // the deadline may land up to one API request timeout later; and others' clocks may run a
      // little fast. All of it must pass before anyone else can take the Lease.
      long redisTimeout = Math.max(100, Math.min(1000, r.healthInterval().toMillis() * 2));
      long needed = SidecarConfig.GUARD_PERIOD.toMillis() + redisTimeout + r.apiTimeout().toMillis()
          + SidecarConfig.skewMargin(lease).toMillis();
      long margin = lease.toMillis() - renew.toMillis();
      if (margin < needed) {
        p.add("--renew-deadline (RENEW_DEADLINE) and --lease-duration (LEASE_DURATION): the lease duration minus the renew"
            + " deadline is " + margin + " ms, but fencing needs " + needed + " ms: guard period "
            + SidecarConfig.GUARD_PERIOD.toMillis() + " + Redis command timeout " + redisTimeout
            + " (twice --health-interval) + --api-timeout " + r.apiTimeout().toMillis() + " + clock skew margin "
            + SidecarConfig.skewMargin(lease).toMillis() + " (a twentieth of the lease); lower the renew deadline or"
            + " the API timeout, or lengthen the lease");
      }
    }
  }

  private static List<Member> parsePeers(List<String> p, String text) {
    List<Member> peers = new ArrayList<>();
    if (blank(text)) {
      return peers;
    }
    for (String item : text.split(",")) {
      String entry = item.trim();
      int eq = entry.indexOf('=');
      int colon = entry.lastIndexOf(':');
      if (eq <= 0 || colon < eq) {
        p.add("--peers (PEERS): '" + entry + "' is not name=host:port");
        continue;
      }
      String name = entry.substring(0, eq);
      String host = entry.substring(eq + 1, colon);
      int port;
      try {
        port = Integer.parseInt(entry.substring(colon + 1));
      } catch (NumberFormatException e) {
        p.add("--peers (PEERS): '" + entry + "' has no valid port");
        continue;
      }
      if (!NAME.matcher(name).matches() || !HOST.matcher(host).matches() || port < 1 || port > 65535) {
        p.add("--peers (PEERS): '" + entry + "' is not name=host:port with a valid name, host and port");
        continue;
      }
      peers.add(new Member(name, host, port));
    }
    return peers;
  }

  /** A credential from a file (preferred) or an environment variable; never from a flag's value. */
  private static Secret readSecret(List<String> p, String flag, Path file, String env) {
    if (file != null) {
      try {
        String value = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (value.isEmpty()) {
          p.add(flag + ": " + file + " is empty");
          return null;
        }
        return new Secret(value);
      } catch (IOException | RuntimeException e) {
        p.add(flag + ": cannot read " + file);
        return null;
      }
    }
    return blank(env) ? null : new Secret(env);
  }

  private static void requireName(List<String> p, String flag, String value) {
    if (blank(value)) {
      p.add(flag + ": required");
    } else if (!NAME.matcher(value).matches()) {
      p.add(flag + ": '" + value + "' is not a valid Kubernetes name (lower-case letters, digits, '-' and '.')");
    }
  }

  private static void port(List<String> p, String flag, int port) {
    if (port < 1 || port > 65535) {
      p.add(flag + ": " + port + " is not a port (1-65535)");
    }
  }

  private static void positive(List<String> p, String flag, Duration d) {
    if (d.isZero() || d.isNegative()) {
      p.add(flag + ": must be positive");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
