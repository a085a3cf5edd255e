package io.github.redisleaseha.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisleaseha.core.MasterView;
import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.RedisStatus;
import io.github.redisleaseha.sentinel.SentinelProtocol.Arr;
import io.github.redisleaseha.sentinel.SentinelProtocol.Bulk;
import io.github.redisleaseha.sentinel.SentinelProtocol.Error;
import io.github.redisleaseha.sentinel.SentinelProtocol.NilArray;
import io.github.redisleaseha.sentinel.SentinelProtocol.Reply;
import io.github.redisleaseha.sentinel.SentinelProtocol.Session;
import io.github.redisleaseha.sentinel.SentinelProtocol.Simple;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SentinelProtocolTest {

  private static final Member A = new Member("redis-0", "10.0.0.1", 6379);
  private static final Member B = new Member("redis-1", "10.0.0.2", 6379);
  private final AtomicReference<SentinelView> view = new AtomicReference<>(SentinelView.NONE);
  private final SentinelProtocol open = protocol(null);
  private final SentinelProtocol locked = protocol(new SentinelProtocol.Credentials(null, "s3cret".toCharArray()));

  private SentinelProtocol protocol(SentinelProtocol.Credentials c) {
    return new SentinelProtocol("mymaster", "ab".repeat(20), new Member("redis-0", "10.0.0.1", 26379), () -> c, 4000, 10000,
        view::get);
  }

  private static List<Reply> run(SentinelProtocol p, Session s, String... args) {
    return p.handle(s, List.of(args));
  }

  private void lead(Member m) {
    view.set(SentinelView.next(view.get(), new MasterView.View(m, "test"), 3,
        List.of(new SentinelView.Node(B, RedisStatus.replica("r", "10.0.0.1", 6379, true, "id", 10, 1))), List.of(B)));
  }

  @Test
  void namesTheMasterOnlyWhileOneIsNamedAndOnlyUnderItsName() {
    Session s = open.open();
    assertThat(run(open, s, "SENTINEL", "get-master-addr-by-name", "mymaster")).containsExactly(new NilArray());
    lead(A);
    assertThat(run(open, s, "sentinel", "GET-MASTER-ADDR-BY-NAME", "mymaster"))
        .containsExactly(new Arr(List.of(new Bulk("10.0.0.1"), new Bulk("6379"))));
    assertThat(run(open, s, "SENTINEL", "get-master-addr-by-name", "other")).containsExactly(new NilArray());
    view.set(SentinelView.next(view.get(), new MasterView.View(null, "nobody"), 3, List.of(), List.of(B)));
    assertThat(run(open, s, "SENTINEL", "get-master-addr-by-name", "mymaster")).containsExactly(new NilArray());
    // The lost master is still reported, flagged down, the way Sentinel reports one.
    assertThat(run(open, s, "SENTINEL", "master", "mymaster").toString()).contains("master,s_down,o_down", "10.0.0.1");
  }

  @Test
  void passwordIsRequiredAndCheckedAndNothingElseRunsBeforeIt() {
    Session s = locked.open();
    assertThat(run(locked, s, "SENTINEL", "masters").get(0)).isEqualTo(new Error("NOAUTH Authentication required."));
    assertThat(run(locked, s, "AUTH", "wrong").get(0)).isInstanceOf(Error.class)
        .asString().startsWith("Error[text=WRONGPASS").doesNotContain("wrong\"");
    assertThat(run(locked, s, "AUTH", "s3cret")).containsExactly(new Simple("OK"));
    assertThat(run(locked, s, "PING")).containsExactly(new Simple("PONG"));
    Session t = locked.open();
    assertThat(run(locked, t, "AUTH", "default", "s3cret")).containsExactly(new Simple("OK"));
    assertThat(run(locked, locked.open(), "HELLO", "3").get(0).toString()).contains("NOPROTO");
  }

  @Test
  void unknownAndChangingCommandsAreRefusedByName() {
    Session s = open.open();
    assertThat(run(open, s, "SET", "k", "v").get(0).toString()).contains("unknown command 'SET'");
    assertThat(run(open, s, "SENTINEL", "failover", "mymaster").get(0).toString())
        .contains("SENTINEL FAILOVER is not served", "switchover");
    assertThat(run(open, s, "SENTINEL", "set", "mymaster", "quorum", "1").get(0).toString()).contains("SENTINEL SET is not served");
  }

  @Test
  void switchMasterIsPublishedToSubscribersWithTheOldAndNewAddresses() {
    Session s = open.open();
    assertThat(run(open, s, "SUBSCRIBE", "+switch-master").toString()).contains("subscribe", "+switch-master");
    assertThat(run(open, s, "SENTINEL", "masters").get(0).toString()).contains("only (P)SUBSCRIBE");
    lead(A);
    SentinelView before = view.get();
    lead(B);
    List<String[]> events = SentinelEvents.between("mymaster", before, view.get());
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).containsExactly("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.2 6379");
    assertThat(SentinelProtocol.message(s, "+switch-master", events.get(0)[1]).toString()).contains("message", "10.0.0.2");
    Session p = open.open();
    run(open, p, "PSUBSCRIBE", "*");
    assertThat(SentinelProtocol.message(p, "+switch-master", "x").toString()).contains("pmessage");
  }

  @Test
  void globMatchesLikeRedis() {
    assertThat(SentinelProtocol.globMatches("*", "+switch-master")).isTrue();
    assertThat(SentinelProtocol.globMatches("+s*-master", "+switch-master")).isTrue();
    assertThat(SentinelProtocol.globMatches("[+-]sdown", "-sdown")).isTrue();
    assertThat(SentinelProtocol.globMatches("[^+]sdown", "+sdown")).isFalse();
    assertThat(SentinelProtocol.globMatches("?down", "+sdown")).isFalse();
    // Many stars against a long channel: bounded time, no regular expression.
    assertThat(SentinelProtocol.globMatches("*a".repeat(2000) + "b", "a".repeat(5000))).isFalse();
  }
}
