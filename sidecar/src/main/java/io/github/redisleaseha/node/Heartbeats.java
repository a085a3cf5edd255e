package io.github.redisleaseha.node;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.RateLimitedLog;
import io.github.redisleaseha.kube.GatedLeaseLock;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Lease;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's heartbeats to its members: {@code POST /peer/heartbeat} on each member's sidecar port,
 * authenticated with the cluster key, carrying the Lease exactly as the leader's last write (or read)
 * returned it. The member's side is {@link HeartbeatListener}.
 *
 * <p>They do three things:
 * <ul>
 *   <li><b>Fewer API requests.</b> While heartbeats arrive in time, a follower's elector is answered
 *       from the reported Lease ({@link GatedLeaseLock#heard}), so an idle cluster's only regular API
 *       request is the leader's renewal. Why this keeps the expiry rule safe is argued in {@link
 *       GatedLeaseLock}'s class comment.
 *   <li><b>Proxy renewal.</b> A heartbeat marked {@code trouble} (the leader's renewal failed or is
 *       overdue) asks the member to renew the Lease on the leader's behalf; a renewal a member reports
 *       counts from the send time of the heartbeat that asked for it ({@link GatedLeaseLock#renewedBy}).
 *   <li><b>Failsafe.</b> A member answers a {@code trouble} heartbeat with a promise (or a refusal,
 *       with the reason); the send time of the last heartbeat each member promised on is what {@link
 *       io.github.redisleaseha.core.Failsafe#keeps} counts.
 * </ul>
 *
 * <p>Sending: every {@code interval}, and at once when the leader's Lease changed or trouble began,
 * only while the leader holds a fresh Lease (or failsafe keeps it); at most one call per member is
 * outstanding, so a slow member costs nothing to the others.
 */
final class Heartbeats implements AutoCloseable {

  static final String PATH = Sidecar.HEARTBEAT_PATH;
  /**
   * How overdue a renewal may be, beyond one retry period, before the leader asks its members to
   * renew for it while its own request is still waiting for an answer.
   */
  static final long TROUBLE_SLACK_MILLIS = 200;

  private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);
  private static final int SENT_TIMES_KEPT = 256;

  /**
   * The body of a heartbeat. {@code boot} tells processes of one sender apart; {@code seq} orders
   * one's heartbeats; {@code trouble}: the sender cannot renew on its own and asks for a renewal or a
   * promise.
   */
  record Message(String from, String boot, long seq, boolean trouble, V1Lease lease) {}

  /**
   * A member's answer. {@code refused}: why the heartbeat (or the promise it asked for) was refused;
   * {@code promised}: the member promised until the holder's lease duration has passed;
   * {@code renewedSeq}/{@code renewed}: the Lease as the member's renewal on the sender's behalf wrote it,
   * asked for by the sender's heartbeat {@code renewedSeq}; {@code proxyProblem}: why its last renewal
   * attempt failed.
   */
  record Reply(String refused, boolean promised, long renewedSeq, V1Lease renewed, String proxyProblem) {
    static Reply refusal(String why) {
      return new Reply(why, false, -1, null, null);
    }
  }

  private final String self;
  private final String boot = UUID.randomUUID().toString();
  private final GatedLeaseLock lock;
  private final Supplier<List<Member>> members;
  private final Function<Member, URI> sidecarUrl;
  private final Supplier<String> authorization;
  private final long intervalNanos;
  private final long troubleSlackNanos;
  private final Duration timeout;
  private final LongSupplier nanoTime;
  private final JSON json = new JSON();
  private final HttpClient http;
  private final RateLimitedLog sendFailures = new RateLimitedLog(log, 30_000);
  private final RateLimitedLog refusals = new RateLimitedLog(log, 10_000);
  private final Map<String, Boolean> outstanding = new ConcurrentHashMap<>();
  /** Send time (monotonic) of each recent heartbeat, by sequence number. */
  private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
  /** Per member, the send time of the last heartbeat it answered with a promise. */
  private final Map<String, Long> promisedAt = new ConcurrentHashMap<>();
  private long seq;
  private long lastSentNanos;
  private boolean sentAny;
  private String lastSentVersion;
  private boolean lastTrouble;

  /**
   * @param interval how often the leader sends; a follower trusts a heartbeat for three intervals
   * @param timeout bound on one call to a member (connect and answer)
   * @param retryPeriod the elector's: a healthy renewal may come this much after the renew interval
   */
  Heartbeats(String self, GatedLeaseLock lock, Supplier<List<Member>> members, Function<Member, URI> sidecarUrl,
      Supplier<String> authorization, Duration interval, Duration timeout, Duration retryPeriod, LongSupplier nanoTime) {
    this.self = self;
    this.lock = lock;
    this.members = members;
    this.sidecarUrl = sidecarUrl;
    this.authorization = authorization;
    this.intervalNanos = interval.toNanos();
    this.troubleSlackNanos = retryPeriod.toNanos() + TimeUnit.MILLISECONDS.toNanos(TROUBLE_SLACK_MILLIS);
    this.timeout = timeout;
    this.nanoTime = nanoTime;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** Called often (every few tens of milliseconds) on one thread: sends if one is due. */
  void tick() {
    V1Lease lease = lock.lastLease();
    if (lease == null || lease.getMetadata() == null) {
      return;
    }
    if (!lock.holdsFreshLease()) {
      promisedAt.clear();
      // The last heartbeat: right after this leader freed the Lease, tell the members, so that one
      // takes it without waiting to notice.
      if (sentAny && isFree(lease) && !Objects.equals(lease.getMetadata().getResourceVersion(), lastSentVersion)) {
        lastSentVersion = lease.getMetadata().getResourceVersion();
        String auth = authorization.get();
        if (auth != null) {
          send(lease, false, nanoTime.getAsLong(), auth);
        }
        sentAny = false;
      }
      return;
    }
    long now = nanoTime.getAsLong();
    String version = lease.getMetadata().getResourceVersion();
    boolean trouble = lock.renewalInTrouble(troubleSlackNanos);
    if (sentAny && Objects.equals(version, lastSentVersion) && trouble == lastTrouble && now - lastSentNanos < intervalNanos) {
      return;
    }
    String auth = authorization.get();
    if (auth == null) {
      return;
    }
    sentAny = true;
    lastSentNanos = now;
    lastSentVersion = version;
    lastTrouble = trouble;
    send(lease, trouble, now, auth);
  }

  private static boolean isFree(V1Lease lease) {
    return lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null || lease.getSpec().getHolderIdentity().isBlank();
  }

  private void send(V1Lease lease, boolean trouble, long now, String auth) {
    long n = ++seq;
    sentAt.put(n, now);
    sentAt.remove(n - SENT_TIMES_KEPT);
    String body = json.serialize(new Message(self, boot, n, trouble, lease));
    for (Member m : members.get()) {
      if (outstanding.putIfAbsent(m.name(), Boolean.TRUE) != null) {
        continue;
      }
      HttpRequest request = HttpRequest.newBuilder(sidecarUrl.apply(m).resolve(PATH)).timeout(timeout)
          .header("Authorization", auth).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
        outstanding.remove(m.name());
        if (error != null) {
          Throwable cause = error.getCause() == null ? error : error.getCause();
          sendFailures.failure("Could not send a heartbeat to " + m.name() + ": " + cause.getClass().getSimpleName(), null);
          return;
        }
        answered(m, n, now, response);
      });
    }
  }

  private void answered(Member m, long n, long sentNanos, HttpResponse<String> response) {
    Reply reply;
    try {
      reply = json.deserialize(response.body(), Reply.class);
    } catch (RuntimeException e) {
      reply = null;
    }
    if (reply == null) {
      sendFailures.failure("Heartbeat to " + m.name() + " answered " + response.statusCode() + " without a reply", null);
      return;
    }
    if (reply.refused() != null) {
      refusals.failure("Heartbeat to " + m.name() + " refused (" + response.statusCode() + "): " + reply.refused(), null);
      return;
    }
    sendFailures.recovered(m.name() + " answers heartbeats again");
    if (reply.promised()) {
      promisedAt.merge(m.name(), sentNanos, (a, b) -> b - a > 0 ? b : a);
    }
    Long askedAt = sentAt.get(reply.renewedSeq());
    if (reply.renewed() != null && askedAt != null && lock.renewedBy(m.name(), reply.renewed(), askedAt)) {
      refusals.recovered(m.name() + " renewed my Lease on my behalf");
    }
  }

  /** Per member, the send time (monotonic) of the last heartbeat it answered with a promise. */
  Map<String, Long> promisedAt() {
    return promisedAt;
  }

  String boot() {
    return boot;
  }

  @Override
  public void close() {
    http.close();
  }
}
