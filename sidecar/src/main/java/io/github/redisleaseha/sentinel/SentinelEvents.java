package io.github.redisleaseha.sentinel;

import io.github.redisleaseha.core.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Sentinel events a change of view publishes, as {@code {channel, payload}} pairs, in the formats
 * Sentinel uses (the clients parse them by position):
 *
 * <ul>
 *   <li>{@code +switch-master <name> <old-ip> <old-port> <new-ip> <new-port>} when a master is named
 *       that differs from the last one (Jedis, Lettuce, go-redis and ioredis switch on it);
 *   <li>{@code +sdown master <name> <ip> <port>} when the named master is no longer named, and
 *       {@code -sdown master ...} when the same one is named again.
 * </ul>
 *
 * The first master named after this sidecar started is no switch: its clients asked for it.
 */
final class SentinelEvents {

  private SentinelEvents() {}

  static List<String[]> between(String masterName, SentinelView before, SentinelView after) {
    List<String[]> events = new ArrayList<>();
    Member was = before.master();
    Member now = after.master();
    if (Objects.equals(was, now)) {
      return events;
    }
    Member last = before.reported();
    if (now == null) {
      events.add(new String[] {"+sdown", "master " + masterName + " " + was.host() + " " + was.port()});
    } else if (last != null && !last.equals(now)) {
      events.add(new String[] {"+switch-master",
          masterName + " " + last.host() + " " + last.port() + " " + now.host() + " " + now.port()});
    } else if (last != null) {
      events.add(new String[] {"-sdown", "master " + masterName + " " + now.host() + " " + now.port()});
    }
    return events;
  }
}
