package io.github.redisleaseha.kube;

import io.github.redisleaseha.core.RateLimitedLog;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.PatchUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a label on this pod saying its role ({@code --role-label redis-role} gives
 * {@code redis-role=leader} or {@code redis-role=replica}), for users who select the leader with a
 * label selector. The write Service remains the safe address: a label lags behind a failover by the
 * time the patch takes, and a partitioned old leader cannot correct its own label.
 */
public final class RoleLabel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RoleLabel.class);

  private final ApiClient client;
  private final CoreV1Api core;
  private final String namespace;
  private final String pod;
  private final String key;
  private final BestEffort sender = new BestEffort("role-label");
  private final RateLimitedLog failures = new RateLimitedLog(log, 60_000);
  private volatile String applied;
  private volatile String wanted;

  public RoleLabel(ApiClient client, String namespace, String pod, String key) {
    this.client = client;
    this.core = new CoreV1Api(client);
    this.namespace = namespace;
    this.pod = pod;
    this.key = key;
  }

  /** Sets the label to {@code role} if it is not already; retried on the next call after a failure. */
  public void set(String role) {
    wanted = role;
    if (role.equals(applied)) {
      return;
    }
    sender.submit(this::apply);
  }

  private void apply() {
    String role = wanted;
    if (role == null || role.equals(applied)) {
      return;
    }
    // JSON Patch: "add" on an existing member replaces it. "~1" escapes the "/" of a prefixed key.
    String path = "/metadata/labels/" + key.replace("~", "~0").replace("/", "~1");
    String patch = "[{\"op\":\"add\",\"path\":\"" + path + "\",\"value\":\"" + role + "\"}]";
    try {
      PatchUtils.patch(V1Pod.class,
          () -> core.patchNamespacedPod(pod, namespace, new V1Patch(patch)).buildCall(null),
          V1Patch.PATCH_FORMAT_JSON_PATCH, client);
      applied = role;
      log.info("I am {}; labelled my pod {}={}", pod, key, role);
      failures.recovered("Labelling my pod works again");
    } catch (ApiException | RuntimeException e) {
      failures.failure("Could not label pod " + pod + " " + key + "=" + role, e);
    }
  }

  @Override
  public void close() {
    sender.close();
  }
}
