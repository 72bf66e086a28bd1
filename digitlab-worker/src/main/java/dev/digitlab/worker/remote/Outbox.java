package dev.digitlab.worker.remote;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.EventBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * What one attempt has to tell the server, in order, kept on disk until delivered: event batches,
 * artifact files (after the batch that announced them), and last the completion. Training adds to
 * it and never waits for the server; a sender thread delivers in order, and while the server cannot
 * be reached it keeps everything and tries again with backoff. A 409 means the lease is lost: all
 * that is pending is dropped and the attempt is told to stop. A batch the server answers with
 * "stop" (its metrics got the trial pruned, or a user cancelled it) tells the attempt to stop too;
 * what is pending is still delivered.
 *
 * <p>Consecutive event batches still waiting are sent as one, so a worker that was cut off for a
 * while catches up in a few requests.
 */
final class Outbox implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Outbox.class);
  private static final ObjectMapper JSON = Json.mapper();
  private static final TypeReference<List<TrialEvent>> EVENTS = new TypeReference<>() {};
  private static final int MAX_MERGED_EVENTS = 2000;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private enum Kind {
    EVENTS,
    UPLOAD,
    COMPLETE
  }

  private record Item(Kind kind, Path file, String artifact, long seq) {}

  private final WorkerClient client;
  private final long trialId;
  private final int attempt;
  private final UUID leaseToken;
  private final Path folder;
  private final Runnable onLeaseLost;
  private final Runnable onStop;
  private final Deque<Item> pending = new ArrayDeque<>();
  private final Thread sender;
  private long nextFile;
  private boolean lost;
  private boolean closed;
  private volatile boolean serverReachable = true;

  Outbox(
      WorkerClient client,
      long trialId,
      int attempt,
      UUID leaseToken,
      Path folder,
      Runnable onLeaseLost,
      Runnable onStop) {
    this.client = client;
    this.onStop = onStop;
    this.trialId = trialId;
    this.attempt = attempt;
    this.leaseToken = leaseToken;
    this.folder = folder;
    this.onLeaseLost = onLeaseLost;
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the outbox " + folder, e);
    }
    this.sender =
        Thread.ofPlatform()
            .daemon()
            .name("outbox-" + trialId + "-" + attempt)
            .start(this::deliverLoop);
  }

  /** Keeps a batch of events on disk for delivery. */
  synchronized void events(List<TrialEvent> batch) {
    if (lost) {
      return;
    }
    Path file = nextFile("events.json");
    write(file, batch);
    add(new Item(Kind.EVENTS, file, null, 0));
  }

  /** Keeps a copy of {@code source}, the artifact announced by event {@code seq}, for upload. */
  synchronized void upload(String artifact, long seq, Path source) {
    if (lost) {
      return;
    }
    Path file = nextFile(artifact + ".bin");
    try {
      Files.copy(source, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep " + source + " for upload", e);
    }
    add(new Item(Kind.UPLOAD, file, artifact, seq));
  }

  /** Keeps the completion for delivery after everything before it. */
  synchronized void complete(Completion completion) {
    if (lost) {
      return;
    }
    Path file = nextFile("complete.json");
    write(file, completion);
    add(new Item(Kind.COMPLETE, file, null, 0));
  }

  /**
   * Waits, up to {@code limit}, until the event batches kept so far are delivered (not the files
   * after them), so that the server's answer to them, a pruner's "stop", is known before the
   * attempt trains on. Returns at once while the server cannot be reached or once the lease is
   * lost.
   *
   * @throws InterruptedException if interrupted first (what is pending stays on disk)
   */
  synchronized void awaitEventsDelivered(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!lost && serverReachable && pending.stream().anyMatch(i -> i.kind() == Kind.EVENTS)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Whether the lease was lost (everything pending was dropped). */
  synchronized boolean leaseLost() {
    return lost;
  }

  /** Whether the last delivery attempt reached the server. */
  boolean serverReachable() {
    return serverReachable;
  }

  /**
   * Waits until everything is delivered, or the lease is lost. Returns true when delivered.
   *
   * @throws InterruptedException if interrupted first (what is pending stays on disk)
   */
  synchronized boolean awaitDelivered() throws InterruptedException {
    while (!pending.isEmpty() && !lost) {
      wait();
    }
    return !lost;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    sender.interrupt();
    try {
      sender.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteFolder();
  }

  private void add(Item item) {
    pending.addLast(item);
    notifyAll();
  }

  private Path nextFile(String suffix) {
    return folder.resolve(String.format("%08d-%s", ++nextFile, suffix));
  }

  private void deliverLoop() {
    Duration backoff = Duration.ofMillis(100);
    while (true) {
      List<Item> items;
      synchronized (this) {
        while (pending.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed && (pending.isEmpty() || lost)) {
          return;
        }
        items = next();
      }
      try {
        deliver(items);
        serverReachable = true;
        backoff = Duration.ofMillis(100);
        synchronized (this) {
          for (Item item : items) {
            pending.remove(item);
            deleteQuietly(item.file());
          }
          notifyAll();
        }
      } catch (WorkerClient.LeaseLostException e) {
        log.warn(
            "trial {} attempt {}: lease lost ({}); dropping it", trialId, attempt, e.getMessage());
        synchronized (this) {
          lost = true;
          pending.forEach(item -> deleteQuietly(item.file()));
          pending.clear();
          notifyAll();
        }
        onLeaseLost.run();
        return;
      } catch (WorkerClient.ServerUnavailableException e) {
        if (serverReachable) {
          log.warn(
              "trial {} attempt {}: server unreachable ({}); keeping events on disk",
              trialId,
              attempt,
              e.getMessage());
        }
        serverReachable = false;
        synchronized (this) {
          notifyAll(); // an epoch's end waiting for its answer goes on without it
        }
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException stop) {
          return;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      } catch (RuntimeException e) {
        // Rejected (4xx), or a failure on this side: a bug, not weather. Dropping the item would
        // lose data silently; keeping it would block the attempt forever. The attempt is given up
        // like a lost lease. The log says which side failed: only a RejectedException is the
        // server's refusal.
        log.error(
            "trial {} attempt {}: {}; giving up the attempt",
            trialId,
            attempt,
            e instanceof WorkerClient.RejectedException
                ? "the server refused a delivery"
                : "delivering to the server failed on this worker",
            e);
        synchronized (this) {
          lost = true;
          pending.clear();
          notifyAll();
        }
        onLeaseLost.run();
        return;
      }
    }
  }

  /** The first pending item, with the event batches right after it if it is one. */
  private List<Item> next() {
    List<Item> items = new ArrayList<>();
    Item first = pending.peekFirst();
    items.add(first);
    if (first.kind() == Kind.EVENTS) {
      int merged = 1;
      for (Item item : pending) {
        if (item == first) {
          continue;
        }
        if (item.kind() != Kind.EVENTS || merged >= 50) {
          break;
        }
        items.add(item);
        merged++;
      }
    }
    return items;
  }

  private void deliver(List<Item> items) {
    Item first = items.getFirst();
    switch (first.kind()) {
      case EVENTS -> {
        List<TrialEvent> events = new ArrayList<>();
        boolean stop = false;
        for (Item item : items) {
          events.addAll(read(item.file()));
          if (events.size() >= MAX_MERGED_EVENTS) {
            stop |= client.events(trialId, new EventBatch(leaseToken, attempt, events)).stop();
            events = new ArrayList<>();
          }
        }
        if (!events.isEmpty()) {
          stop |= client.events(trialId, new EventBatch(leaseToken, attempt, events)).stop();
        }
        if (stop) {
          // Before the batch counts as delivered: whoever waited for it sees the stop.
          onStop.run();
        }
      }
      case UPLOAD ->
          client.upload(trialId, leaseToken, first.artifact(), first.seq(), first.file());
      case COMPLETE -> {
        client.complete(trialId, JSON.readValue(first.file().toFile(), Completion.class));
      }
    }
  }

  private static List<TrialEvent> read(Path file) {
    try {
      return JSON.readValue(file.toFile(), EVENTS);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot read the outbox file " + file, e);
    }
  }

  private static void write(Path file, Object value) {
    try {
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(temp.toFile(), value);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the outbox file " + file, e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("could not delete {}", file, e);
    }
  }

  private void deleteFolder() {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      files.sorted(Comparator.reverseOrder()).forEach(Outbox::deleteQuietly);
    } catch (IOException e) {
      log.debug("could not delete {}", folder, e);
    }
  }
}
