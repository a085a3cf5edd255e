package io.github.redisleaseha.sentinel;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.core.RedisStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The commands of the Sentinel-compatible endpoint, without any I/O: a command (its arguments) and a
 * connection's {@link Session} in, replies out. The endpoint ({@link SentinelServer}) only decodes,
 * encodes and delivers.
 *
 * <p>It answers what Sentinel clients send to discover the master (Jedis' {@code JedisSentinelPool},
 * Lettuce, redis-py's {@code Sentinel}, go-redis' {@code FailoverClient}, ioredis): {@code PING},
 * {@code AUTH}, {@code HELLO} (RESP2 only: a request for RESP3 gets {@code NOPROTO}, on which clients
 * fall back to RESP2), {@code CLIENT SETNAME/GETNAME/SETINFO/ID}, {@code SENTINEL
 * get-master-addr-by-name/masters/master/replicas/slaves/sentinels/myid/ckquorum}, {@code ROLE},
 * {@code INFO}, {@code (P)SUBSCRIBE}/{@code (P)UNSUBSCRIBE}, {@code QUIT}. Nothing here changes
 * Redis or Kubernetes: every other command, and every Sentinel subcommand that would change something
 * in Sentinel ({@code FAILOVER}, {@code SET}, {@code MONITOR}, {@code REMOVE}, {@code RESET}, ...),
 * gets an error naming it.
 *
 * <p>Credentials: when the sidecar has a Redis password, every command but {@code AUTH},
 * {@code HELLO} and {@code QUIT} needs a successful {@code AUTH} first, with the password the sidecar
 * itself uses for Redis (and its user, or {@code default}); the comparison takes constant time and a
 * refusal never echoes what was sent.
 */
public final class SentinelProtocol {

  /** A RESP2 reply. */
  public sealed interface Reply permits Simple, Error, Int, Bulk, Nil, Arr, NilArray {}

  public record Simple(String text) implements Reply {}

  public record Error(String text) implements Reply {}

  public record Int(long value) implements Reply {}

  public record Bulk(String text) implements Reply {}

  /** The null bulk string. */
  public record Nil() implements Reply {}

  public record Arr(List<Reply> items) implements Reply {
    public Arr {
      items = List.copyOf(items);
    }
  }

  /** The null array: what Sentinel answers {@code get-master-addr-by-name} for a master it does not serve. */
  public record NilArray() implements Reply {}

  /** The credentials a client must present, read when asked (the sidecar re-reads its files), or null for none. */
  public record Credentials(String user, char[] password) {}

  /** One client connection's state. Written by the endpoint's thread; read by publishers. */
  public static final class Session {
    final long id;
    volatile boolean authenticated;
    String name;
    final Set<String> channels = ConcurrentHashMap.newKeySet();
    final Set<String> patterns = ConcurrentHashMap.newKeySet();
    /** Set by QUIT or by a protocol error: close once the replies are written. */
    boolean close;

    Session(long id, boolean authenticated) {
      this.id = id;
      this.authenticated = authenticated;
    }

    int subscriptions() {
      return channels.size() + patterns.size();
    }

    public boolean closeAfterReply() {
      return close;
    }
  }

  /** Redis version we report in HELLO and INFO: the protocol level we speak, not a Redis we run. */
  static final String VERSION = "7.0.0";

  private final String masterName;
  private final String myId;
  private final Member self;
  private final int port;
  private final Supplier<Credentials> credentials;
  private final long downAfterMillis;
  private final long failoverTimeoutMillis;
  private final Supplier<SentinelView> view;
  private final AtomicLong nextId = new AtomicLong(1);

  /**
   * @param self this sidecar's announced host and this endpoint's port
   * @param credentials the Redis credentials of the sidecar (null password: no AUTH needed)
   * @param downAfterMillis what is reported as {@code down-after-milliseconds}: the lease duration
   * @param failoverTimeoutMillis what is reported as {@code failover-timeout}: the handover timeout
   */
  public SentinelProtocol(String masterName, String myId, Member self, Supplier<Credentials> credentials, long downAfterMillis,
      long failoverTimeoutMillis, Supplier<SentinelView> view) {
    this.masterName = masterName;
    this.myId = myId;
    this.self = self;
    this.port = self.port();
    this.credentials = credentials;
    this.downAfterMillis = downAfterMillis;
    this.failoverTimeoutMillis = failoverTimeoutMillis;
    this.view = view;
  }

  public Session open() {
    return new Session(nextId.getAndIncrement(), passwordOf(credentials.get()) == null);
  }

  public String masterName() {
    return masterName;
  }

  private static char[] passwordOf(Credentials c) {
    return c == null || c.password() == null || c.password().length == 0 ? null : c.password();
  }

  // ---------------------------------------------------------------- dispatch

  /** The replies to one command, in order (a SUBSCRIBE to two channels answers twice). */
  public List<Reply> handle(Session s, List<String> args) {
    if (args.isEmpty()) {
      return List.of();
    }
    String command = args.get(0).toLowerCase(Locale.ROOT);
    if (!s.authenticated && !command.equals("auth") && !command.equals("hello") && !command.equals("quit")) {
      return one(new Error("NOAUTH Authentication required."));
    }
    if (s.subscriptions() > 0 && !Set.of("subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ping", "quit", "reset")
        .contains(command)) {
      return one(new Error("ERR Can't execute '" + name(args.get(0)) + "': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / PING / QUIT / RESET"
          + " are allowed in this context"));
    }
    return switch (command) {
      case "ping" -> ping(s, args);
      case "auth" -> auth(s, args);
      case "hello" -> hello(s, args);
      case "client" -> client(s, args);
      case "sentinel" -> sentinel(args);
      case "role" -> one(new Arr(List.of(new Bulk("sentinel"), new Arr(List.of(new Bulk(masterName))))));
      case "info" -> one(new Bulk(info()));
      case "subscribe" -> subscribe(s, args, false);
      case "psubscribe" -> subscribe(s, args, true);
      case "unsubscribe" -> unsubscribe(s, args, false);
      case "punsubscribe" -> unsubscribe(s, args, true);
      case "reset" -> {
        s.channels.clear();
        s.patterns.clear();
        s.name = null;
        s.authenticated = passwordOf(credentials.get()) == null;
        yield one(new Simple("RESET"));
      }
      case "quit" -> {
        s.close = true;
        yield one(new Simple("OK"));
      }
      default -> one(new Error("ERR unknown command '" + name(args.get(0)) + "': this is the Sentinel-compatible endpoint of"
          + " redis-lease-ha, which answers PING, AUTH, HELLO, CLIENT, SENTINEL, ROLE, INFO, (P)SUBSCRIBE, (P)UNSUBSCRIBE and"
          + " QUIT; send data commands to Redis itself"));
    };
  }

  /** A client-supplied name, safe to echo: printable ASCII, at most 32 characters. */
  static String name(String raw) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < raw.length() && b.length() < 32; i++) {
      char c = raw.charAt(i);
      b.append(c >= 0x21 && c < 0x7f && c != '\'' ? c : '?');
    }
    return raw.length() > 32 ? b + "..." : b.toString();
  }

  private static List<Reply> one(Reply r) {
    return List.of(r);
  }

  private static Error arity(String command) {
    return new Error("ERR wrong number of arguments for '" + command + "' command");
  }

  private List<Reply> ping(Session s, List<String> args) {
    if (args.size() > 2) {
      return one(arity("ping"));
    }
    if (s.subscriptions() > 0) {
      return one(new Arr(List.of(new Bulk("pong"), new Bulk(args.size() == 2 ? args.get(1) : ""))));
    }
    return one(args.size() == 2 ? new Bulk(args.get(1)) : new Simple("PONG"));
  }

  private List<Reply> auth(Session s, List<String> args) {
    if (args.size() < 2 || args.size() > 3) {
      return one(arity("auth"));
    }
    Credentials c = credentials.get();
    if (passwordOf(c) == null) {
      return one(new Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your"
          + " configuration is correct?"));
    }
    String user = args.size() == 3 ? args.get(1) : null;
    String password = args.get(args.size() - 1);
    if (!accepts(c, user, password)) {
      s.authenticated = false;
      return one(new Error("WRONGPASS invalid username-password pair or user is disabled."));
    }
    s.authenticated = true;
    return one(new Simple("OK"));
  }

  /** Whether {@code user} (null: none given) and {@code password} are the sidecar's credentials, in constant time. */
  private static boolean accepts(Credentials c, String user, String password) {
    String expectedUser = c.user() == null ? "default" : c.user();
    boolean userOk = user == null || MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
        expectedUser.getBytes(StandardCharsets.UTF_8));
    byte[] expected = new String(c.password()).getBytes(StandardCharsets.UTF_8);
    boolean passwordOk = MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), expected);
    return userOk & passwordOk;
  }

  private List<Reply> hello(Session s, List<String> args) {
    int i = 1;
    if (args.size() > 1) {
      String version = args.get(1);
      if (!version.equals("2")) {
        boolean number = version.chars().allMatch(Character::isDigit) && !version.isEmpty();
        return one(new Error(number ? "NOPROTO unsupported protocol version: this endpoint speaks RESP2"
            : "ERR Protocol version is not an integer or out of range"));
      }
      i = 2;
    }
    String setName = null;
    while (i < args.size()) {
      String option = args.get(i).toLowerCase(Locale.ROOT);
      if (option.equals("auth") && i + 2 < args.size()) {
        Credentials c = credentials.get();
        if (passwordOf(c) == null) {
          return one(new Error("ERR AUTH <password> called without any password configured for the default user."));
        }
        if (!accepts(c, args.get(i + 1), args.get(i + 2))) {
          return one(new Error("WRONGPASS invalid username-password pair or user is disabled."));
        }
        s.authenticated = true;
        i += 3;
      } else if (option.equals("setname") && i + 1 < args.size()) {
        setName = args.get(i + 1);
        i += 2;
      } else {
        return one(new Error("ERR Syntax error in HELLO option '" + name(args.get(i)) + "'"));
      }
    }
    if (!s.authenticated) {
      return one(new Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH"
          + " <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if (setName != null) {
      s.name = setName;
    }
    return one(new Arr(List.of(
        new Bulk("server"), new Bulk("redis"), new Bulk("version"), new Bulk(VERSION), new Bulk("proto"), new Int(2),
        new Bulk("id"), new Int(s.id), new Bulk("mode"), new Bulk("sentinel"), new Bulk("role"), new Bulk("master"),
        new Bulk("modules"), new Arr(List.of()))));
  }

  private List<Reply> client(Session s, List<String> args) {
    String sub = args.size() > 1 ? args.get(1).toLowerCase(Locale.ROOT) : "";
    return switch (sub) {
      case "setname" -> {
        if (args.size() != 3) {
          yield one(arity("client|setname"));
        }
        if (args.get(2).chars().anyMatch(c -> c <= ' ' || c > '~')) {
          yield one(new Error("ERR Client names cannot contain spaces, newlines or special characters."));
        }
        s.name = args.get(2);
        yield one(new Simple("OK"));
      }
      case "getname" -> one(s.name == null ? new Nil() : new Bulk(s.name));
      // Client libraries report their name and version; accepted and not kept.
      case "setinfo" -> one(args.size() == 4 ? new Simple("OK") : arity("client|setinfo"));
      case "id" -> one(new Int(s.id));
      default -> one(new Error("ERR unknown subcommand 'CLIENT " + name(args.size() > 1 ? args.get(1) : "") + "': this endpoint"
          + " answers CLIENT SETNAME, GETNAME, SETINFO and ID"));
    };
  }

  // ---------------------------------------------------------------- SENTINEL

  private static final Set<String> CHANGING = Set.of("failover", "set", "monitor", "remove", "reset", "flushconfig", "config",
      "simulate-failure", "is-master-down-by-addr", "debug");

  private List<Reply> sentinel(List<String> args) {
    if (args.size() < 2) {
      return one(arity("sentinel"));
    }
    String sub = args.get(1).toLowerCase(Locale.ROOT);
    SentinelView v = view.get();
    switch (sub) {
      case "get-master-addr-by-name" -> {
        if (args.size() != 3) {
          return one(arity("sentinel|get-master-addr-by-name"));
        }
        if (!masterName.equals(args.get(2)) || v.master() == null) {
          return one(new NilArray());
        }
        return one(new Arr(List.of(new Bulk(v.master().host()), new Bulk(Integer.toString(v.master().port())))));
      }
      case "masters" -> {
        Member reported = v.reported();
        return one(new Arr(reported == null ? List.of() : List.of(masterEntry(v, reported))));
      }
      case "master", "replicas", "slaves", "sentinels", "ckquorum" -> {
        if (args.size() != 3) {
          return one(arity("sentinel|" + sub));
        }
        if (!masterName.equals(args.get(2))) {
          return one(new Error("ERR No such master with that name"));
        }
        Member reported = v.reported();
        return switch (sub) {
          case "master" -> one(reported == null
              ? new Error("ERR No such master with that name: nobody has led '" + masterName + "' since this sidecar started")
              : masterEntry(v, reported));
          case "replicas", "slaves" -> one(new Arr(v.nodes().stream().map(n -> replicaEntry(n, v.master())).toList()));
          case "sentinels" -> one(new Arr(v.sentinels().stream().map(this::sentinelEntry).toList()));
          default -> one(v.master() == null
              ? new Error("NOQUORUM nobody leads '" + masterName + "' now: " + v.sentence())
              : new Simple("OK " + (v.sentinels().size() + 1) + " usable Sentinels. " + v.sentence()));
        };
      }
      case "myid" -> {
        return one(new Bulk(myId));
      }
      default -> {
        if (CHANGING.contains(sub)) {
          String hint = sub.equals("failover") ? "; to move the leader, run `redis-lease-ha switchover`" : "";
          return one(new Error("ERR SENTINEL " + sub.toUpperCase(Locale.ROOT) + " is not served: this Sentinel-compatible endpoint"
              + " of redis-lease-ha only answers discovery and changes nothing" + hint));
        }
        return one(new Error("ERR Unknown sentinel subcommand '" + name(args.get(1)) + "': this endpoint answers"
            + " get-master-addr-by-name, masters, master, replicas, slaves, sentinels, myid and ckquorum"));
      }
    }
  }

  private static Reply fields(Object... pairs) {
    List<Reply> items = new ArrayList<>();
    for (Object p : pairs) {
      items.add(new Bulk(String.valueOf(p)));
    }
    return new Arr(items);
  }

  private Reply masterEntry(SentinelView v, Member m) {
    boolean up = v.master() != null;
    return fields(
        "name", masterName, "ip", m.host(), "port", m.port(), "runid", "", "flags", up ? "master" : "master,s_down,o_down",
        "link-pending-commands", 0, "link-refcount", 1, "last-ping-sent", 0, "last-ok-ping-reply", 0, "last-ping-reply", 0,
        "s-down-time", up ? 0 : downAfterMillis, "o-down-time", up ? 0 : downAfterMillis,
        "down-after-milliseconds", downAfterMillis, "info-refresh", 0, "role-reported", "master", "role-reported-time", 0,
        "config-epoch", v.epoch(), "num-slaves", v.nodes().size(), "num-other-sentinels", v.sentinels().size(),
        "quorum", v.sentinels().size() / 2 + 1, "failover-timeout", failoverTimeoutMillis, "parallel-syncs", 1);
  }

  private Reply replicaEntry(SentinelView.Node n, Member master) {
    RedisStatus r = n.redis();
    Member m = n.member();
    String flags = r.reachable() ? (r.primary() ? "master" : "slave") : "slave,s_down,disconnected";
    boolean linkUp = r.reachable() && r.linkUp() && master != null && r.follows(master);
    return fields(
        "name", m.address(), "ip", m.host(), "port", m.port(), "runid", r.runId() == null ? "" : r.runId(), "flags", flags,
        "link-pending-commands", 0, "link-refcount", 1, "last-ping-sent", 0, "last-ok-ping-reply", 0, "last-ping-reply", 0,
        "s-down-time", r.reachable() ? 0 : downAfterMillis, "down-after-milliseconds", downAfterMillis, "info-refresh", 0,
        "role-reported", r.reachable() && r.primary() ? "master" : "slave", "role-reported-time", 0,
        "master-link-down-time", 0, "master-link-status", linkUp ? "ok" : "err",
        "master-host", r.masterHost() == null ? "?" : r.masterHost(), "master-port", r.masterPort(),
        "slave-priority", 100, "slave-repl-offset", Math.max(0, r.offset()), "replica-announced", 1);
  }

  private Reply sentinelEntry(Member m) {
    return fields(
        "name", m.name(), "ip", m.host(), "port", port, "runid", m.name(), "flags", "sentinel", "link-pending-commands", 0,
        "link-refcount", 1, "last-ping-sent", 0, "last-ok-ping-reply", 0, "last-ping-reply", 0,
        "down-after-milliseconds", downAfterMillis, "last-hello-message", 0, "voted-leader", "?", "voted-leader-epoch", 0);
  }

  private String info() {
    SentinelView v = view.get();
    Member reported = v.reported();
    String status = v.master() != null ? "ok" : "odown";
    return "# Server\r\nredis_version:" + VERSION + "\r\nredis_mode:sentinel\r\ntcp_port:" + port + "\r\nrun_id:" + myId
        + "\r\nexecutable:redis-lease-ha\r\n\r\n# Sentinel\r\nsentinel_masters:" + (reported == null ? 0 : 1)
        + "\r\nsentinel_tilt:0\r\nsentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\n"
        + (reported == null ? "" : "master0:name=" + masterName + ",status=" + status + ",address=" + reported.address()
            + ",slaves=" + v.nodes().size() + ",sentinels=" + (v.sentinels().size() + 1) + "\r\n");
  }

  // ---------------------------------------------------------------- pub/sub

  private List<Reply> subscribe(Session s, List<String> args, boolean pattern) {
    String kind = pattern ? "psubscribe" : "subscribe";
    if (args.size() < 2) {
      return one(arity(kind));
    }
    List<Reply> replies = new ArrayList<>();
    for (String target : args.subList(1, args.size())) {
      (pattern ? s.patterns : s.channels).add(target);
      replies.add(new Arr(List.of(new Bulk(kind), new Bulk(target), new Int(s.subscriptions()))));
    }
    return replies;
  }

  private List<Reply> unsubscribe(Session s, List<String> args, boolean pattern) {
    String kind = pattern ? "punsubscribe" : "unsubscribe";
    Set<String> set = pattern ? s.patterns : s.channels;
    List<String> targets = args.size() > 1 ? args.subList(1, args.size()) : List.copyOf(set);
    List<Reply> replies = new ArrayList<>();
    if (targets.isEmpty()) {
      replies.add(new Arr(List.of(new Bulk(kind), new Nil(), new Int(s.subscriptions()))));
    }
    for (String target : targets) {
      set.remove(target);
      replies.add(new Arr(List.of(new Bulk(kind), new Bulk(target), new Int(s.subscriptions()))));
    }
    return replies;
  }

  /** The message {@code s} gets for an event on {@code channel}, or null if it is not subscribed to it. */
  public static Reply message(Session s, String channel, String payload) {
    if (!s.authenticated) {
      return null;
    }
    if (s.channels.contains(channel)) {
      return new Arr(List.of(new Bulk("message"), new Bulk(channel), new Bulk(payload)));
    }
    for (String p : s.patterns) {
      if (globMatches(p, channel)) {
        return new Arr(List.of(new Bulk("pmessage"), new Bulk(p), new Bulk(channel), new Bulk(payload)));
      }
    }
    return null;
  }

  /**
   * Redis' glob-style match ({@code * ? [abc] [^a-z] \x}) of {@code channel} against {@code pattern}:
   * the greedy two-pointer walk, which backtracks only to the last star, so its time is bounded by
   * the product of the two lengths whatever pattern a client subscribes (no regular expressions).
   */
  static boolean globMatches(String pattern, String channel) {
    int pi = 0;
    int si = 0;
    int starP = -1;
    int starS = 0;
    while (si < channel.length()) {
      if (pi < pattern.length()) {
        if (pattern.charAt(pi) == '*') {
          starP = pi++;
          starS = si;
          continue;
        }
        int next = matchOne(pattern, pi, channel.charAt(si));
        if (next >= 0) {
          pi = next;
          si++;
          continue;
        }
      }
      if (starP < 0) {
        return false;
      }
      pi = starP + 1;
      si = ++starS;
    }
    while (pi < pattern.length() && pattern.charAt(pi) == '*') {
      pi++;
    }
    return pi == pattern.length();
  }

  /** Where the pattern continues if its token at {@code pi} matches {@code ch}, or -1. */
  private static int matchOne(String p, int pi, char ch) {
    char c = p.charAt(pi);
    if (c == '?') {
      return pi + 1;
    }
    if (c == '\\' && pi + 1 < p.length()) {
      return p.charAt(pi + 1) == ch ? pi + 2 : -1;
    }
    int end = c == '[' ? p.indexOf(']', pi + 1) : -1;
    if (end > pi + 1) {
      boolean negate = p.charAt(pi + 1) == '^';
      boolean hit = false;
      for (int k = negate ? pi + 2 : pi + 1; k < end; ) {
        if (k + 2 < end && p.charAt(k + 1) == '-') {
          char lo = (char) Math.min(p.charAt(k), p.charAt(k + 2));
          char hi = (char) Math.max(p.charAt(k), p.charAt(k + 2));
          hit |= ch >= lo && ch <= hi;
          k += 3;
        } else {
          hit |= p.charAt(k) == ch;
          k++;
        }
      }
      return hit != negate ? end + 1 : -1;
    }
    return c == ch ? pi + 1 : -1;
  }
}
