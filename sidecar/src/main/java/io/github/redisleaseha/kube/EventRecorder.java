package io.github.redisleaseha.kube;

import io.github.redisleaseha.core.RateLimitedLog;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events about this sidecar's decisions, recorded on the Lease so that
 * {@code kubectl describe lease} and {@code kubectl get events} show the cluster's history. Best
 * effort: events are sent from their own thread, never delay the control loop, and a failure is only
 * logged (rate-limited).
 */
public final class EventRecorder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE = 1024;

  /** What happened: the Event's reason and type. */
  public enum Kind {
    PROMOTED("Promoted", "Normal"),
    DEMOTED("Demoted", "Normal"),
    FENCED("Fenced", "Warning"),
    UNFENCED("Unfenced", "Normal"),
    KILLED("RedisKilled", "Warning"),
    FOREIGN_LEADER("ForeignLeaderIgnored", "Warning"),
    HANDOVER("HandedOver", "Normal"),
    PROMOTION_REFUSED("PromotionRefused", "Warning"),
    SWITCHOVER_REFUSED("SwitchoverRefused", "Warning");

    final String reason;
    final String type;

    Kind(String reason, String type) {
      this.reason = reason;
      this.type = type;
    }
  }

  private final CoreV1Api core;
  private final String namespace;
  private final String lease;
  private final String pod;
  private final BestEffort sender = new BestEffort("events");
  private final RateLimitedLog failures = new RateLimitedLog(log, 60_000);

  public EventRecorder(ApiClient client, String namespace, String lease, String pod) {
    this.core = new CoreV1Api(client);
    this.namespace = namespace;
    this.lease = lease;
    this.pod = pod;
  }

  /** Sends one Event on the Lease, from this pod, in the background. */
  public void record(Kind kind, String message) {
    String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
    sender.submit(() -> send(kind, text));
  }

  private void send(Kind kind, String message) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    CoreV1Event event = new CoreV1Event()
        .apiVersion("v1")
        .kind("Event")
        .metadata(new V1ObjectMeta()
            .name(lease + "." + pod + "." + Long.toHexString(System.nanoTime()))
            .namespace(namespace))
        .involvedObject(new V1ObjectReference()
            .apiVersion("coordination.k8s.io/v1").kind("Lease").name(lease).namespace(namespace))
        .reason(kind.reason)
        .type(kind.type)
        .message(message)
        .source(new V1EventSource().component("redis-lease-ha").host(pod))
        .reportingComponent("redis-lease-ha.io/sidecar")
        .reportingInstance(pod)
        .firstTimestamp(now)
        .lastTimestamp(now)
        .count(1);
    try {
      core.createNamespacedEvent(namespace, event).execute();
      failures.recovered("Recording Events works again");
    } catch (ApiException | RuntimeException e) {
      failures.failure("Could not record a " + kind.reason + " Event", e);
    }
  }

  @Override
  public void close() {
    sender.close();
  }
}
