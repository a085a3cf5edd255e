package io.github.redisleaseha.http;

import io.github.redisleaseha.config.ClusterKey;
import io.github.redisleaseha.core.RateLimitedLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may move the leader: a caller of a mutating endpoint must send the cluster's shared key as
 * {@code Authorization: Bearer <key>}.
 *
 * <ul>
 *   <li>No header, or not the Bearer scheme: 401 with {@code WWW-Authenticate: Bearer}.
 *   <li>A Bearer token that is not the key: 403.
 *   <li>No key configured (the sidecar was started without {@code --cluster-key-file}): every
 *       mutating call is refused with 403, so a sidecar started without a key cannot be driven over
 *       the network at all. SIGTERM still hands over; the chart and the local harness always configure
 *       a key.
 * </ul>
 *
 * <p>The comparison is constant-time: both sides are hashed with SHA-256 and the digests compared with
 * {@link MessageDigest#isEqual}, so neither the key's content nor its length shows in the time an
 * answer takes. The key file is read again on every check, as {@code ReloadingCredentials} does for the
 * Redis password, so a rotated Secret (which Kubernetes swaps into the mounted file) takes effect with
 * the next request; a file that is unusable for a moment (mid-swap) keeps the last good key. Pods see
 * a rotated Secret up to the kubelet's sync period apart, and a call between two pods that read
 * different keys meanwhile is refused, not half-accepted: the old key is not honoured once replaced.
 *
 * <p>Refusals are logged at WARN once per source address and reason, then at most once a minute with
 * a count (a scanner hitting the port yields a few lines, not one per request). Neither the key nor the
 * header a caller sent is ever logged.
 */
public final class ClusterKeyAuth {

  private static final Logger log = LoggerFactory.getLogger(ClusterKeyAuth.class);

  /** How often one source's repeated refusals for one reason are reported. */
  static final long REFUSAL_LOG_INTERVAL_MILLIS = 60_000;

  /** At most this many source/reason pairs are remembered for rate limiting (least recently seen go first). */
  static final int MAX_TRACKED_SOURCES = 256;

  /** The body of the answer to a call on a sidecar without a key. */
  public static final String NO_KEY_CONFIGURED = "no cluster key configured: start the sidecar with --cluster-key-file";

  static final String CHALLENGE = "Bearer realm=\"redis-lease-ha\"";

  /** The outcome of one check. */
  public sealed interface Verdict permits Allowed, Refused {}

  /** The caller sent the cluster key. */
  public record Allowed() implements Verdict {}

  /**
   * The caller is refused.
   *
   * @param status 401 (no usable credentials: answer with {@link #challenge}) or 403
   * @param reason a short reason for the log, with no credential in it
   * @param body the answer's text
   * @param challenge the {@code WWW-Authenticate} value to send, or null
   */
  public record Refused(int status, String reason, String body, String challenge) implements Verdict {}

  private final ClusterKey initial;
  private final RateLimitedLog unusableFile = new RateLimitedLog(log, REFUSAL_LOG_INTERVAL_MILLIS);
  private final Map<String, RateLimitedLog> refusalLogs = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, RateLimitedLog> eldest) {
      return size() > MAX_TRACKED_SOURCES;
    }
  };
  private ClusterKey current;

  private ClusterKeyAuth(ClusterKey key) {
    this.initial = key;
    this.current = key;
  }

  /** Checks calls against {@code key} (re-read from its file), or refuses them all when it is null. */
  public static ClusterKeyAuth of(ClusterKey key) {
    return new ClusterKeyAuth(key);
  }

  /** Whether a key is configured at all. */
  public boolean enabled() {
    return initial != null;
  }

  /**
   * The {@code Authorization} header value for this sidecar's own calls to other members' sidecars
   * (heartbeats), with the key as its file holds it now; null without a key.
   */
  public String authorization() {
    return initial == null ? null : "Bearer " + key().value().reveal();
  }

  /** Checks one request's {@code Authorization} header value (null when absent). */
  public Verdict check(String authorization) {
    if (initial == null) {
      return new Refused(403, "no cluster key configured", NO_KEY_CONFIGURED + "\n", null);
    }
    if (authorization == null || authorization.isBlank()) {
      return new Refused(401, "no Authorization header",
          "missing cluster key: send Authorization: Bearer <the key in --cluster-key-file>\n", CHALLENGE);
    }
    String header = authorization.strip();
    int space = header.indexOf(' ');
    if (space <= 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return new Refused(401, "Authorization header without the Bearer scheme",
          "the Authorization header must be: Bearer <the key in --cluster-key-file>\n",
          CHALLENGE + ", error=\"invalid_request\"");
    }
    String token = header.substring(space + 1).strip();
    if (!matches(token, key())) {
      return new Refused(403, "wrong cluster key", "wrong cluster key\n", null);
    }
    return new Allowed();
  }

  /** The key to check against now: the file read again, or the last good key if it is unusable. */
  private synchronized ClusterKey key() {
    try {
      ClusterKey read = ClusterKey.read(current.file());
      if (!read.sameKey(current)) {
        log.info("The cluster key file {} changed; mutating requests need the new key from now on", current.file());
        current = read;
      }
      unusableFile.recovered("The cluster key file " + current.file() + " is usable again");
    } catch (ClusterKey.UnusableKeyException e) {
      unusableFile.failure("The cluster key file is unusable now (" + ClusterKey.FLAG + ": " + e.getMessage()
          + "); keeping the key read before", null);
    }
    return current;
  }

  /** Constant-time: SHA-256 of both, compared with {@link MessageDigest#isEqual}. */
  static boolean matches(String token, ClusterKey key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] given = sha.digest(token.getBytes(StandardCharsets.UTF_8));
      byte[] expected = sha.digest(key.value().reveal().getBytes(StandardCharsets.US_ASCII));
      return MessageDigest.isEqual(given, expected);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * Logs a refusal of {@code request} from {@code source}: the first of each source and reason at
   * once, repeats at most once per {@link #REFUSAL_LOG_INTERVAL_MILLIS} with a count. Returns whether a
   * line was written.
   */
  public boolean logRefusal(String source, String request, Refused refused) {
    RateLimitedLog limiter;
    synchronized (refusalLogs) {
      limiter = refusalLogs.computeIfAbsent(source + " " + refused.reason(),
          k -> new RateLimitedLog(log, REFUSAL_LOG_INTERVAL_MILLIS));
    }
    return limiter.failure("Refused " + request + " from " + source + " with " + refused.status() + ": "
        + refused.reason(), null);
  }

  @Override
  public String toString() {
    return initial == null ? "no cluster key (mutating endpoints disabled)" : initial.toString();
  }
}
