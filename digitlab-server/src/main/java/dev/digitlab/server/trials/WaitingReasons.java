package dev.digitlab.server.trials;

/**
 * Why a queued trial waits when no online worker can take it (issue 17, issue 19 item 5): a command
 * trial needs a worker started with {@code --allow-commands}, a {@code device: gpu} trial one with
 * a GPU. Pages, {@code digitlab show} and the API say it with what to do, rather than letting the
 * trial wait silently. The workers feature knows who is online and implements it.
 */
public interface WaitingReasons {

  /**
   * What {@code trial} waits for, with what to do about it; null when it is not queued or some
   * online worker can take it (it then only waits its turn).
   */
  String waitingFor(Trial trial);
}
