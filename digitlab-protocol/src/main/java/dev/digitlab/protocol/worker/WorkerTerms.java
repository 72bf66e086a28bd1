package dev.digitlab.protocol.worker;

/**
 * The answer to a registration: the timing the server expects of its workers.
 *
 * @param leaseMillis a lease expires this long after the last heartbeat
 * @param heartbeatMillis how often to heartbeat each lease (and so how soon a cancel is seen)
 * @param pollMillis how long a lease request waits for work before it answers 204
 */
public record WorkerTerms(String name, long leaseMillis, long heartbeatMillis, long pollMillis) {}
