package io.github.redisleaseha.core;

/** A peer as seen from this sidecar: who it is and what its Redis answered. */
public record PeerStatus(Member member, RedisStatus redis) {

  public boolean reachable() {
    return redis.reachable();
  }

  public String name() {
    return member.name();
  }
}
