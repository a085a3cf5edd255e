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
    String roleLabel) {

  public Policy policy() {
    return new Policy(
        healthFailures, catchupTimeout.toMillis(), maxLagBytes, noFailover, 2 * leaseDuration.toMillis());
  }
}
