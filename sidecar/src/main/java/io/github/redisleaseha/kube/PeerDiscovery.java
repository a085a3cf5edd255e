package io.github.redisleaseha.kube;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.RateLimitedLog;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the other Redis pods: either a static list (the local harness) or the pods matching a label
 * selector in the namespace (a cluster). A failed lookup keeps the last known list.
 */
public final class PeerDiscovery {

  private static final Logger log = LoggerFactory.getLogger(PeerDiscovery.class);

  private final List<Member> staticPeers;
  private final CoreV1Api core;
  private final String namespace;
  private final String selector;
  private final int redisPort;
  private final String self;
  private final RateLimitedLog failures = new RateLimitedLog(log, 30_000);
  private volatile List<Member> known;

  private PeerDiscovery(
      List<Member> staticPeers, ApiClient client, String namespace, String selector, int redisPort, String self) {
    this.staticPeers = staticPeers;
    this.core = client == null ? null : new CoreV1Api(client);
    this.namespace = namespace;
    this.selector = selector;
    this.redisPort = redisPort;
    this.self = self;
    this.known = staticPeers.stream().filter(m -> !m.name().equals(self)).toList();
  }

  public static PeerDiscovery fixed(List<Member> peers, String self) {
    return new PeerDiscovery(peers, null, null, null, 0, self);
  }

  public static PeerDiscovery byLabel(ApiClient client, String namespace, String selector, int redisPort, String self) {
    return new PeerDiscovery(List.of(), client, namespace, selector, redisPort, self);
  }

  /** The peers (this pod excluded) as last discovered. */
  public List<Member> peers() {
    return known;
  }

  /** Re-lists pods when discovering by label; a no-op for a static list. */
  public void refresh() {
    if (core == null) {
      return;
    }
    try {
      List<Member> found = new ArrayList<>();
      for (V1Pod pod : core.listNamespacedPod(namespace).labelSelector(selector).execute().getItems()) {
        String name = pod.getMetadata() == null ? null : pod.getMetadata().getName();
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (name != null && ip != null && !ip.isBlank() && !name.equals(self)) {
          found.add(new Member(name, ip, redisPort));
        }
      }
      known = List.copyOf(found);
      failures.recovered("Listing peer pods works again");
    } catch (ApiException | RuntimeException e) {
      failures.failure("Could not list peer pods with selector " + selector, e);
    }
  }
}
