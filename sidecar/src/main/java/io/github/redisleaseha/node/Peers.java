package io.github.redisleaseha.node;

import io.github.redisleaseha.core.Member;
import io.github.redisleaseha.redis.RedisNode;
import java.util.HashMap;
import java.util.Map;
import redis.clients.jedis.JedisClientConfig;

/** One {@link RedisNode} per peer, reopened when a peer's address changes. Control thread only. */
final class Peers implements AutoCloseable {

  private final JedisClientConfig clientConfig;
  private final Map<String, RedisNode> nodes = new HashMap<>();

  Peers(JedisClientConfig clientConfig) {
    this.clientConfig = clientConfig;
  }

  RedisNode node(Member m) {
    RedisNode node = nodes.get(m.name());
    if (node == null || !node.address().equals(m.address())) {
      if (node != null) {
        node.close();
      }
      node = new RedisNode(m, clientConfig);
      nodes.put(m.name(), node);
    }
    return node;
  }

  @Override
  public void close() {
    nodes.values().forEach(RedisNode::close);
    nodes.clear();
  }
}
