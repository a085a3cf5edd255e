package io.github.redisleaseha.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.extended.leaderelection.LeaderElectionRecord;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GatedLeaseLockTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final GatedLeaseLock lock =
      new GatedLeaseLock(new ApiClient(), "default", "redis-leader", "redis-0", 4, 2500, nanos::get);

  @Test
  void nullFieldsThatCrashTheOfficialElectorBecomeDefaults() {
    LeaderElectionRecord r = lock.recordOf(new V1LeaseSpec().holderIdentity("ghost"));
    assertThat(r.getLeaderTransitions()).isZero();
    assertThat(r.getLeaseDurationSeconds()).isEqualTo(4);
    assertThat(r.getHolderIdentity()).isEqualTo("ghost");
  }

  @Test
  void anEmptyHolderIsAFreeLease() {
    LeaderElectionRecord r = lock.recordOf(new V1LeaseSpec().holderIdentity("").leaseTransitions(-5));
    assertThat(r.getHolderIdentity()).isNull();
    assertThat(r.getLeaderTransitions()).isZero();
    assertThat(lock.recordOf(null).getHolderIdentity()).isNull();
  }

  @Test
  void noFreshLeaseOutsideATerm() {
    assertThat(lock.holdsFreshLease()).isFalse();
    assertThat(lock.millisSinceRenewal()).isEqualTo(-1);
  }

  @Test
  void refusesTheEmptyRecordOfTheElectorsClose() {
    // close() of a stale elector would free a Lease it may have lost; we release ourselves.
    assertThat(lock.update(new LeaderElectionRecord())).isFalse();
  }
}
