package io.github.redisleaseha.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.config.ClusterKey;
import io.github.redisleaseha.http.ClusterKeyAuth.Allowed;
import io.github.redisleaseha.http.ClusterKeyAuth.Refused;
import io.github.redisleaseha.http.ClusterKeyAuth.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterKeyAuthTest {

  static final String KEY = "k3y-0f-th1s-cluster-0123456789";

  @TempDir
  Path dir;

  ClusterKeyAuth auth(String key) throws Exception {
    Path file = Files.writeString(dir.resolve("cluster-key"), key + "\n");
    return ClusterKeyAuth.of(ClusterKey.read(file));
  }

  @Test
  void theKeyAsABearerTokenIsAllowed() throws Exception {
    ClusterKeyAuth auth = auth(KEY);
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.check("Bearer " + KEY)).isInstanceOf(Allowed.class);
    // The scheme is case-insensitive (RFC 9110); surrounding spaces do not matter.
    assertThat(auth.check("bearer   " + KEY + " ")).isInstanceOf(Allowed.class);
  }

  @Test
  void noCredentialsIs401WithABearerChallenge() throws Exception {
    ClusterKeyAuth auth = auth(KEY);
    for (String header : new String[] {null, "", "   "}) {
      assertThat(auth.check(header)).isInstanceOfSatisfying(Refused.class, r -> {
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.challenge()).startsWith("Bearer");
        assertThat(r.body()).contains("missing cluster key").contains("Authorization: Bearer");
      });
    }
    assertThat(auth.check("Basic " + KEY)).isInstanceOfSatisfying(Refused.class, r -> {
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.challenge()).startsWith("Bearer").contains("invalid_request");
      assertThat(r.body()).doesNotContain(KEY);
    });
    assertThat(auth.check(KEY)).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401));
    // The scheme with no token is no credentials either.
    assertThat(auth.check("Bearer ")).isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(401));
  }

  @Test
  void aWrongKeyIs403AndNoNearMissPasses() throws Exception {
    ClusterKeyAuth auth = auth(KEY);
    for (String token : new String[] {"wrong", KEY.substring(0, KEY.length() - 1), KEY + "x", KEY.toUpperCase()}) {
      Verdict v = auth.check("Bearer " + token);
      assertThat(v).as(token).isInstanceOfSatisfying(Refused.class, r -> {
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.challenge()).isNull();
        assertThat(r.body()).isEqualTo("wrong cluster key\n");
        assertThat(r.reason()).doesNotContain(KEY);
      });
    }
  }

  @Test
  void withoutAKeyEveryCallIsRefusedWith403() {
    ClusterKeyAuth auth = ClusterKeyAuth.of(null);
    assertThat(auth.enabled()).isFalse();
    for (String header : new String[] {null, "Bearer " + KEY, "Bearer "}) {
      assertThat(auth.check(header)).isInstanceOfSatisfying(Refused.class, r -> {
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("no cluster key configured: start the sidecar with --cluster-key-file\n");
      });
    }
  }

  @Test
  void aRotatedKeyFileTakesEffectWithTheNextRequestAndAnUnusableOneKeepsTheLastGoodKey() throws Exception {
    ClusterKeyAuth auth = auth(KEY);
    Path file = dir.resolve("cluster-key");
    String rotated = "r0tated-key-of-this-cluster-42";
    Files.writeString(file, rotated + "\n");
    assertThat(auth.check("Bearer " + rotated)).isInstanceOf(Allowed.class);
    assertThat(auth.check("Bearer " + KEY)).as("the replaced key").isInstanceOf(Refused.class);

    // Mid-swap the file may be empty, missing or hold something unusable: the last good key stays.
    Files.writeString(file, "");
    assertThat(auth.check("Bearer " + rotated)).isInstanceOf(Allowed.class);
    Files.writeString(file, "short");
    assertThat(auth.check("Bearer " + rotated)).isInstanceOf(Allowed.class);
    assertThat(auth.check("Bearer short")).isInstanceOf(Refused.class);
    Files.delete(file);
    assertThat(auth.check("Bearer " + rotated)).isInstanceOf(Allowed.class);
    Files.writeString(file, KEY);
    assertThat(auth.check("Bearer " + KEY)).isInstanceOf(Allowed.class);
    assertThat(auth.check("Bearer " + rotated)).isInstanceOf(Refused.class);
  }

  @Test
  void refusalsAreLoggedOncePerSourceAndReason() throws Exception {
    ClusterKeyAuth auth = auth(KEY);
    Refused wrong = (Refused) auth.check("Bearer wrong-key-0123456789");
    Refused missing = (Refused) auth.check(null);
    assertThat(auth.logRefusal("10.0.0.7", "POST /handover", wrong)).isTrue();
    assertThat(auth.logRefusal("10.0.0.7", "POST /handover", wrong)).as("a repeat within the interval").isFalse();
    assertThat(auth.logRefusal("10.0.0.7", "POST /switchover", wrong)).as("same source and reason").isFalse();
    assertThat(auth.logRefusal("10.0.0.7", "POST /handover", missing)).as("another reason").isTrue();
    assertThat(auth.logRefusal("10.0.0.8", "POST /handover", wrong)).as("another source").isTrue();
  }

  @Test
  void aDescriptionNamesTheFileNotTheKey() throws Exception {
    assertThat(auth(KEY).toString()).contains("cluster-key").doesNotContain(KEY);
    assertThat(ClusterKey.read(dir.resolve("cluster-key")).value().toString()).isEqualTo("****");
  }
}
