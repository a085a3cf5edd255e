package io.github.redisleaseha.cli;

import io.github.redisleaseha.config.EndpointsMode;
import io.github.redisleaseha.ops.ClusterClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/**
 * How the operations commands find a cluster. Inside a sidecar container ({@code kubectl exec ... -c
 * sidecar -- /app/redis-lease-ha status}) the pod's environment already names everything; elsewhere
 * give the flags. Members are the pods matching {@code --selector}, or a static {@code --members}
 * list of the sidecars' HTTP addresses (local clusters).
 */
public final class ClusterOptions {

  @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE:-default}", description = "Namespace of the cluster. Env POD_NAMESPACE. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(names = "--lease-name", defaultValue = "${env:LEASE_NAME:-redis-leader}", description = "The cluster's Lease. Env LEASE_NAME. Default: ${DEFAULT-VALUE}.")
  String leaseName;

  @Option(names = "--write-service", defaultValue = "${env:WRITE_SERVICE:-redis-write}", description = "The write Service. Env WRITE_SERVICE. Default: ${DEFAULT-VALUE}.")
  String writeService;

  @Option(names = "--endpoints-mode", defaultValue = "${env:ENDPOINTS_MODE:-slice}", description = "slice or endpoints. Env ENDPOINTS_MODE. Default: ${DEFAULT-VALUE}.")
  EndpointsMode endpointsMode;

  @Option(names = "--selector", defaultValue = "${env:PEER_SELECTOR}", description = "Label selector of the Redis pods. Env PEER_SELECTOR.")
  String selector;

  @Option(names = "--members", defaultValue = "${env:MEMBERS}", description = "Instead of --selector: the sidecars' HTTP addresses as name=host:port,... Env MEMBERS.")
  String members;

  @Option(names = "--http-port", defaultValue = "${env:HTTP_PORT:-8080}", description = "The sidecars' HTTP port, with --selector. Env HTTP_PORT. Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(names = "--kube-api-url", defaultValue = "${env:KUBE_API_URL}", description = "API server URL; default: in-cluster config or kubeconfig. Env KUBE_API_URL.")
  String kubeApiUrl;

  @Option(names = "--max-lag-bytes", defaultValue = "${env:MAX_LAG_BYTES:-1048576}", description = "A switchover target further behind is refused. Env MAX_LAG_BYTES. Default: ${DEFAULT-VALUE}.")
  long maxLagBytes;

  /** Bad flag values, each named; thrown before anything is contacted. */
  static final class UsageError extends Exception {
    UsageError(String message) {
      super(message);
    }
  }

  ClusterClient connect() throws UsageError, IOException {
    Map<String, String> statics = new LinkedHashMap<>();
    boolean hasMembers = members != null && !members.isBlank();
    boolean hasSelector = selector != null && !selector.isBlank();
    if (hasMembers == hasSelector) {
      throw new UsageError("--selector (PEER_SELECTOR) or --members (MEMBERS): give exactly one, to find the members");
    }
    if (hasMembers) {
      for (String item : members.split(",")) {
        String entry = item.trim();
        int eq = entry.indexOf('=');
        int colon = entry.lastIndexOf(':');
        if (eq <= 0 || colon < eq || !entry.substring(colon + 1).matches("\\d{1,5}")) {
          throw new UsageError("--members (MEMBERS): '" + entry + "' is not name=host:port");
        }
        statics.put(entry.substring(0, eq), "http://" + entry.substring(eq + 1));
      }
    }
    if (httpPort < 1 || httpPort > 65535) {
      throw new UsageError("--http-port (HTTP_PORT): " + httpPort + " is not a port (1-65535)");
    }
    if (kubeApiUrl != null && !kubeApiUrl.isBlank() && !kubeApiUrl.matches("https?://[^\\s/]+(/.*)?")) {
      throw new UsageError("--kube-api-url (KUBE_API_URL): '" + kubeApiUrl + "' is not an http(s) URL");
    }
    ApiClient client = kubeApiUrl == null || kubeApiUrl.isBlank()
        ? ClientBuilder.standard().build()
        : new ClientBuilder().setBasePath(kubeApiUrl).build();
    client.setHttpClient(client.getHttpClient().newBuilder()
        .connectTimeout(5, TimeUnit.SECONDS).readTimeout(10, TimeUnit.SECONDS).build());
    return new ClusterClient(client, namespace, leaseName, writeService, endpointsMode, statics,
        hasSelector ? selector : null, httpPort);
  }
}
