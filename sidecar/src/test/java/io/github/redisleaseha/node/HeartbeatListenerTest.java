package io.github.redisleaseha.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.kube.GatedLeaseLock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member's handling of heartbeats, with the API server unreachable (a closed port): what it takes,
 * what it refuses with which status, and when it promises.
 */
class HeartbeatListenerTest {

  private static final List<Member> KNOWN = List.of(new Member("redis-0", "10.0.0.1", 6379), new Member("redis-2", "10.0.0.3", 6379));

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicBoolean primary = new AtomicBoolean();
  private final AtomicLong freed = new AtomicLong();
  private final ApiClient unreachable = new ClientBuilder().setBasePath("http://127.0.0.1:1").build();
  private final GatedLeaseLock lock = new GatedLeaseLock(unreachable, "default", "redis-leader", "redis-1", 4, 2500, 1250, nanos::get);
  private final HeartbeatListener listener =
      new HeartbeatListener(lock, primary::get, freed::incrementAndGet, Duration.ofMillis(500), Duration.ofMillis(500), 4, nanos::get);
  private final JSON json = new JSON();

  @AfterEach
  void close() {
    listener.close();
  }

  private static V1Lease lease(String holder) {
    return new V1Lease().metadata(new V1ObjectMeta().name("redis-leader").namespace("default").resourceVersion("7"))
        .spec(new V1LeaseSpec().holderIdentity(holder).leaseDurationSeconds(4).leaseTransitions(1));
  }

  private HeartbeatListener.Answer send(String from, long seq, boolean trouble, V1Lease lease) {
    return listener.receive(json.serialize(new Heartbeats.Message(from, "boot-1", seq, trouble, lease)), KNOWN);
  }

  @Test
  void malformedOrIncompleteHeartbeatsAreBadRequestsAndChangeNothing() {
    assertThat(listener.receive("{not json", KNOWN).status()).isEqualTo(400);
    assertThat(listener.receive("{\"from\":\"redis-0\"}", KNOWN).reply().refused()).contains("from, boot, seq and lease are required");
    assertThat(lock.lastLease()).isNull();
  }

  @Test
  void aHeartbeatFromAStrangerOrForALeaseItsSenderDoesNotHoldIsRefused() {
    HeartbeatListener.Answer stranger = send("redis-9", 1, false, lease("redis-9"));
    assertThat(stranger.status()).isEqualTo(409);
    assertThat(stranger.reply().refused()).isEqualTo("redis-9 is not a member I know");
    HeartbeatListener.Answer notHolder = send("redis-2", 1, false, lease("redis-0"));
    assertThat(notHolder.status()).isEqualTo(409);
    assertThat(lock.lastLease()).isNull();
  }

  @Test
  void anOrdinaryHeartbeatIsTakenWithoutAPromise() {
    HeartbeatListener.Answer a = send("redis-0", 1, false, lease("redis-0"));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.reply().promised()).isFalse();
    assertThat(lock.state().holder()).isEqualTo("redis-0");
    assertThat(listener.promise()).isNull();
  }

  @Test
  void aLeaderInTroubleGetsAPromiseForTheHoldersLeaseDurationWhenTheApiIsUnreachable() {
    HeartbeatListener.Answer a = send("redis-0", 1, true, lease("redis-0"));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.reply().promised()).isTrue();
    assertThat(a.reply().renewed()).isNull();
    assertThat(listener.promise().leader()).isEqualTo("redis-0");
    assertThat(listener.promise().untilMillis()).isEqualTo(1_000 + 4_000);
    // The renewal attempt on its behalf fails (no API server); a later answer says why, still promising.
    AtomicLong seq = new AtomicLong(1);
    Awaitility.await("the failed renewal on the leader's behalf is reported").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          HeartbeatListener.Answer later = send("redis-0", seq.incrementAndGet(), true, lease("redis-0"));
          return later.reply().promised() && later.reply().proxyProblem() != null
              && later.reply().proxyProblem().startsWith("reading the Lease: no answer");
        });
  }

  @Test
  void theHoldersLastHeartbeatAfterItsReleaseIsTakenOnceAndWakesTheLoop() {
    send("redis-0", 1, false, lease("redis-0"));
    HeartbeatListener.Answer a = send("redis-0", 2, false, lease(null));
    assertThat(a.status()).isEqualTo(200);
    assertThat(lock.state().free()).isTrue();
    assertThat(freed.get()).isEqualTo(1);
    // A freed Lease from someone who was not the holder is not taken.
    HeartbeatListener.Answer stranger = send("redis-2", 1, false, lease(null));
    assertThat(stranger.status()).isEqualTo(409);
  }

  @Test
  void aMemberWhoseRedisIsAPrimaryRefusesToPromise() {
    primary.set(true);
    HeartbeatListener.Answer a = send("redis-0", 1, true, lease("redis-0"));
    assertThat(a.reply().promised()).isFalse();
    assertThat(a.reply().refused()).isEqualTo("my Redis is a primary");
    assertThat(listener.promise()).isNull();
  }
}
