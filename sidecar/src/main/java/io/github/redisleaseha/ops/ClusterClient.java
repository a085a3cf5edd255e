package io.github.redisleaseha.ops;

import com.google.gson.Gson;
import io.github.redisleaseha.config.ClusterKey;
import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.core.LeaseState;
import io.github.redisleaseha.kube.WriteEndpoint;
import io.github.redisleaseha.node.Sidecar.RoleView;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The operations commands' access to a cluster: the Lease and the write endpoint through the
 * Kubernetes API, and each member's sidecar through its HTTP API. Members come from a static list
 * ({@code name=host:port} of the sidecars' HTTP) or from the pods matching a label selector.
 */
public final class ClusterClient {

  private static final Gson GSON = new Gson();

  private final CoordinationV1Api coordination;
  private final CoreV1Api core;
  private final WriteEndpoint endpoint;
  private final String namespace;
  private final String leaseName;
  private final Map<String, String> staticMembers;
  private final String selector;
  private final int httpPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public ClusterClient(
      ApiClient client, String namespace, String leaseName, String writeService, EndpointsMode mode,
      Map<String, String> staticMembers, String selector, int httpPort) {
    this.coordination = new CoordinationV1Api(client);
    this.core = new CoreV1Api(client);
    this.endpoint = new WriteEndpoint(client, namespace, writeService, mode);
    this.namespace = namespace;
    this.leaseName = leaseName;
    this.staticMembers = staticMembers;
    this.selector = selector;
    this.httpPort = httpPort;
  }

  public String leaseName() {
    return namespace + "/" + leaseName;
  }

  /** Reads everything once. Members that do not answer are listed with the reason. */
  public ClusterView view() throws ApiException {
    V1Lease lease = readLease();
    LeaseState state = lease == null ? LeaseState.UNKNOWN
        : LeaseState.parse(lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity(),
            lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions(),
            lease.getMetadata().getAnnotations());
    List<ClusterView.Member> members = new ArrayList<>();
    for (Map.Entry<String, String> m : memberUrls().entrySet()) {
      members.add(member(m.getKey(), m.getValue()));
    }
    members.sort(Comparator.comparing(ClusterView.Member::name));
    return new ClusterView(
        state, lease != null,
        lease == null || lease.getSpec() == null ? null : lease.getSpec().getAcquireTime(),
        lease == null || lease.getSpec() == null ? null : lease.getSpec().getRenewTime(),
        endpoint.currentTarget(), List.copyOf(members));
  }

  /** The Lease as the API server has it now, or null if it does not exist. */
  public V1Lease lease() throws ApiException {
    return readLease();
  }

  private V1Lease readLease() throws ApiException {
    try {
      return coordination.readNamespacedLease(leaseName, namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private Map<String, String> memberUrls() throws ApiException {
    if (!staticMembers.isEmpty()) {
      return staticMembers;
    }
    Map<String, String> urls = new LinkedHashMap<>();
    for (V1Pod pod : core.listNamespacedPod(namespace).labelSelector(selector).execute().getItems()) {
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      urls.put(pod.getMetadata().getName(), ip == null ? null : "http://" + ip + ":" + httpPort);
    }
    return urls;
  }

  /**
   * One member's own report ({@code /role}), or why it could not be read; a name that is no member
   * is reported as such.
   */
  public ClusterView.Member ask(String name) throws ApiException {
    Map<String, String> urls = memberUrls();
    if (!urls.containsKey(name)) {
      return new ClusterView.Member(name, null, null, "not a member");
    }
    return member(name, urls.get(name));
  }

  private ClusterView.Member member(String name, String url) {
    if (url == null) {
      return new ClusterView.Member(name, null, null, "no pod IP yet");
    }
    try {
      HttpResponse<String> r = http.send(
          HttpRequest.newBuilder(URI.create(url + "/role")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return new ClusterView.Member(name, url, null, "HTTP " + r.statusCode());
      }
      return new ClusterView.Member(name, url, GSON.fromJson(r.body(), RoleView.class), null);
    } catch (IOException | RuntimeException e) {
      return new ClusterView.Member(name, url, null, e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ClusterView.Member(name, url, null, "interrupted");
    }
  }

  /** POST /switchover on the leader's sidecar, with the cluster key; the reply (status and text). */
  public HttpResponse<String> switchover(ClusterView.Member leader, String target, Duration timeout, ClusterKey key)
      throws IOException, InterruptedException {
    String query = target == null ? "" : "?to=" + URLEncoder.encode(target, StandardCharsets.UTF_8);
    return http.send(
        HttpRequest.newBuilder(URI.create(leader.url() + "/switchover" + query)).timeout(timeout)
            .header("Authorization", key.bearer())
            .POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Changes the Lease with a read-modify-replace that carries the resourceVersion, retried on a
   * conflict (the leader renews concurrently). Returns the Lease as written.
   */
  public V1Lease updateLease(UnaryOperator<V1Lease> change) throws ApiException {
    for (int attempt = 1; ; attempt++) {
      V1Lease lease = readLease();
      if (lease == null) {
        throw new ApiException(404, "Lease " + leaseName() + " does not exist (has any sidecar started?)");
      }
      try {
        return coordination.replaceNamespacedLease(leaseName, namespace, change.apply(lease)).execute();
      } catch (ApiException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  /**
   * Frees {@code seen} (no holder; annotations kept) with a replace that carries its resourceVersion,
   * so nothing is freed that changed since it was read. Returns false on a conflict (it changed).
   */
  public boolean free(V1Lease seen) throws ApiException {
    V1Lease freed = new V1Lease().apiVersion("coordination.k8s.io/v1").kind("Lease")
        .metadata(seen.getMetadata()).spec(seen.getSpec());
    freed.getSpec().setHolderIdentity(null);
    try {
      coordination.replaceNamespacedLease(leaseName, namespace, freed).execute();
      return true;
    } catch (ApiException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Removes the annotations in {@code mark} if the Lease still carries exactly those values (so a
   * mark someone else wrote since is left alone). Returns whether it removed them.
   */
  public boolean removeMark(Map<String, String> mark) throws ApiException {
    for (int attempt = 1; ; attempt++) {
      V1Lease lease = readLease();
      Map<String, String> current = lease == null || lease.getMetadata().getAnnotations() == null
          ? Map.of() : lease.getMetadata().getAnnotations();
      if (lease == null || !mark.entrySet().stream().allMatch(e -> e.getValue().equals(current.get(e.getKey())))) {
        return false;
      }
      Map<String, String> removal = new HashMap<>();
      mark.keySet().forEach(k -> removal.put(k, null));
      try {
        coordination.replaceNamespacedLease(leaseName, namespace, annotate(lease, removal)).execute();
        return true;
      } catch (ApiException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  /** Sets (value non-null) or removes (null) annotations on {@code lease}, in place. */
  public static V1Lease annotate(V1Lease lease, Map<String, String> annotations) {
    lease.getMetadata().setAnnotations(LeaseState.merge(lease.getMetadata().getAnnotations(), annotations));
    return lease;
  }
}
