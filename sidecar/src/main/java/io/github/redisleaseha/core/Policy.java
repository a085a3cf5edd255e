package io.github.redisleaseha.core;

/**
 * The settings the decision core needs, taken from the validated configuration.
 *
 * @param healthFailures consecutive failed health checks of the local Redis before a leader gives up
 * @param catchupTimeoutMillis how long a new leader waits for its replica to catch up with a reachable
 *     previous leader before promoting anyway
 * @param maxLagBytes a node further behind the most advanced reachable peer is not eligible
 * @param noFailover this node is never a candidate
 * @param stepBackMillis how long a node that stepped back for a better candidate stays out
 * @param stallTimeoutMillis how long a leader keeps the Lease while its Redis does not answer
 */
public record Policy(
    int healthFailures, long catchupTimeoutMillis, long maxLagBytes, boolean noFailover, long stepBackMillis,
    long stallTimeoutMillis) {}
