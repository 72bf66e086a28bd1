package dev.digitlab.server.queue;

/**
 * The last checkpoint a trial's attempts delivered: the attempt that wrote it, the seq of the
 * artifact event describing it (every event up to it is stored), and the epochs it holds.
 */
public record ResumePoint(int attempt, long seq, int epoch) {}
