package io.github.redisleaseha.config;

/**
 * The Sentinel-compatible endpoint, when it is on.
 *
 * @param port where it listens; every member's endpoint uses the same port (what {@code SENTINEL
 *     sentinels} reports for the others)
 * @param bindHost the address it binds, or null for every address of the pod
 * @param masterName the name clients ask for ({@code mymaster} by default, as in Sentinel and the
 *     Bitnami chart); any other name is unknown to the endpoint
 */
public record SentinelSettings(int port, String bindHost, String masterName) {}
