package io.github.redisleaseha.config;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.Policy;
import java.time.Duration;
import java.util.List;

/**
 * The validated, immutable configuration of one sidecar. Built by the {@code run} command from flags
 * and environment variables; {@link ConfigValidator} rejects every inconsistent combination with a
 * sentence naming the flag before anything touches Redis or Kubernetes.
 *
 * @param podName this sidecar's identity in the Lease; the pod name
 * @param namespace namespace of the Lease, the write endpoint and the peer pods
 * @param leaseName the Lease all sidecars of one cluster contend for
 * @param self this pod's announced Redis address (pod IP or stable DNS name, and port)
 * @param redisHost where this sidecar reaches its own Redis (normally 127.0.0.1 in the pod)
 * @param redisPort port of the local Redis
 * @param peers static peer list (local harness); empty when {@code peerSelector} is used
 * @param peerSelector pod label selector to discover peers, or null
 * @param writeService name of the selector-less write Service
 * @param endpointsMode EndpointSlice (default) or classic Endpoints
 * @param leaseDuration how long others wait after the last observed renewal before taking over.
 *     Smaller means faster takeover on node loss, but more sensitivity to API latency. Whole seconds
 *     (the Lease stores whole seconds).
 * @param renewDeadline how long the leader keeps trying to renew before it fences its Redis. Must be
 *     below the lease duration; the difference is the margin for fencing and clock rate skew.
 * @param retryPeriod how often candidates try to acquire and the leader renews; below the deadline
 * @param healthInterval period of the local Redis health check (one INFO)
 * @param healthFailures consecutive failures before a leader releases the Lease
 * @param catchupTimeout how long a new leader waits to catch up with a reachable previous leader
 * @param maxLagBytes a node further behind than this is not a candidate
 * @param handoverTimeout bound on a graceful handover (Redis FAILOVER plus the Lease move)
 * @param httpPort port of the health, role and handover HTTP endpoints
 * @param noFailover this node never becomes leader
 * @param redisUser ACL user (from a file or env), or null for the default user
 * @param redisPassword Redis password, or null
 * @param kubeApiUrl API server URL to use instead of in-cluster or kubeconfig discovery, or null
 * @param minReplicasToWrite Redis {@code min-replicas-to-write} applied to the leader (0: off)
 * @param minReplicasMaxLag Redis {@code min-replicas-max-lag} in seconds, with the above
 * @param redisTls TLS to every Redis (local and peers), or null for plain TCP
 * @param roleLabel label key kept on this pod with its role ({@code leader}/{@code replica}), or null
 * @param redisUserFile file the ACL user was read from, re-read when it changes; or null
 * @param redisPasswordFile file the password was read from, re-read when it changes; or null
 * @param stallTimeout how long a leader whose Redis does not answer (timeouts, BUSY, LOADING, refused
 *     credentials) keeps the Lease before it kills Redis (hard fence) or, with pause-only fencing,
 *     releases. Longer than an ordinary stall: a fork of a large dataset or a slow command stalls
 *     Redis for tens to hundreds of milliseconds, and failing over on those loses more than it saves.
 *     Too long, and writes wait that long on a Redis that will not come back.
 * @param apiTimeout bound on one API request. Part of the fencing margin: a leader write sent while
 *     the Lease was fresh lands at most this much later.
 * @param clusterKey the key every mutating HTTP call must carry ({@code Authorization: Bearer}), read
 *     from {@code --cluster-key-file} and re-read when the file changes; null without the flag, which
 *     disables the mutating endpoints (graceful stop by SIGTERM still hands over)
 * @param renewInterval how often the leader writes its renewal. The main term of an idle cluster's API
 *     load (one update per interval). Too long, and a renewal that fails leaves no second attempt
 *     before the renew deadline; at least one API timeout must fit between the two.
 * @param heartbeatInterval how often the leader tells the members it holds the Lease (peer HTTP, no API
 *     request). Members trust a heartbeat for three intervals and read the Lease themselves after that.
 * @param peerTimeout bound on one call to another member's sidecar
 * @param peerHttpPorts sidecar ports of static peers that differ from {@code httpPort} (local clusters)
 * @param sentinel the Sentinel-compatible endpoint, or null when it is off
 */
public record SidecarConfig(
    String podName,
    String namespace,
    String leaseName,
    Member self,
    String redisHost,
    int redisPort,
    List<Member> peers,
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
    String redisUser,
    Secret redisPassword,
    String kubeApiUrl,
    int minReplicasToWrite,
    int minReplicasMaxLag,
    RedisTls redisTls,
    String roleLabel,
    java.nio.file.Path redisUserFile,
    java.nio.file.Path redisPasswordFile,
    Duration stallTimeout,
    Duration apiTimeout,
    ClusterKey clusterKey,
    Duration renewInterval,
    Duration heartbeatInterval,
    Duration peerTimeout,
    java.util.Map<String, Integer> peerHttpPorts,
    SentinelSettings sentinel) {

  public SidecarConfig {
    peerHttpPorts = java.util.Map.copyOf(peerHttpPorts);
  }

  /** The port of {@code peer}'s sidecar HTTP API. */
  public int httpPortOf(String peer) {
    return peerHttpPorts.getOrDefault(peer, httpPort);
  }

  /** The fence guard's period: how long after the renew deadline a fence may take to be sent. */
  public static final Duration GUARD_PERIOD = Duration.ofMillis(50);

  /** Timeout of one command to a Redis (connect and read): twice the health interval, within 100 ms to 1 s. */
  public Duration redisTimeout() {
    return Duration.ofMillis(Math.max(100, Math.min(1000, healthInterval.toMillis() * 2)));
  }

  /**
   * The margin left for clock rate skew: a twentieth of the lease duration, at least 100 ms. Others
   * measure the lease on their own clocks; a clock running this much faster than ours is tolerated.
   */
  public static Duration skewMargin(Duration leaseDuration) {
    return Duration.ofMillis(Math.max(100, leaseDuration.toMillis() / 20));
  }

  public Policy policy() {
    return new Policy(
        healthFailures, catchupTimeout.toMillis(), maxLagBytes, noFailover, 2 * leaseDuration.toMillis(),
        stallTimeout.toMillis());
  }
}
