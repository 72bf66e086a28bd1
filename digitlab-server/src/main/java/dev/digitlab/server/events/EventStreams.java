package dev.digitlab.server.events;

import dev.digitlab.server.api.TooManyRequestsException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-Sent Event streams of stored events: each subscriber gets a virtual thread that sends the
 * history after its starting id, then polls for new events (woken early by {@link EventSignals}),
 * and completes the stream once its source has finished and every event is sent.
 */
@Component
@EnableConfigurationProperties(EventSettings.class)
public class EventStreams implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

  /** Where a stream's events come from, and whether more can come. */
  public interface Source {

    /** Up to {@code limit} events after the event {@code afterId}, in id order. */
    List<TrialEvent> after(long afterId, int limit);

    /**
     * True when no more events will come: read before the last page, so that the page holds every
     * event stored before the source finished.
     */
    boolean finished();
  }

  private final EventSignals signals;
  private final EventSettings settings;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private volatile boolean running;

  EventStreams(EventSignals signals, EventSettings settings) {
    this.signals = signals;
    this.settings = settings;
  }

  /**
   * A stream of the source's events after {@code afterId}; named for logs and thread names. {@code
   * caller} (who asked, e.g. a token's name) may hold at most {@code maxStreamsPerCaller} streams:
   * one more is a {@link TooManyRequestsException}, and nothing is opened. {@code stillAllowed} is
   * asked again every keep-alive interval; once false (the caller's token was revoked) the stream
   * ends, as the caller's next request would be refused.
   */
  public SseEmitter open(
      String name, String caller, BooleanSupplier stillAllowed, Source source, long afterId) {
    // No timeout: a stream lasts as long as its trial runs; a dead client shows on the next send.
    SseEmitter emitter = new SseEmitter(0L);
    Subscriber subscriber = new Subscriber(name, caller, stillAllowed, source, afterId, emitter);
    synchronized (subscribers) {
      long open = subscribers.stream().filter(s -> s.caller.equals(caller)).count();
      if (open >= settings.maxStreamsPerCaller()) {
        throw new TooManyRequestsException(
            caller
                + " has "
                + open
                + " event streams open, as many as one caller may"
                + " (digitlab.events.max-streams-per-caller): close one (each page showing a live"
                + " experiment or trial holds one) and ask again.");
      }
      subscribers.add(subscriber);
    }
    emitter.onCompletion(subscriber::close);
    emitter.onTimeout(subscriber::close);
    emitter.onError(error -> subscriber.close());
    subscriber.start();
    return emitter;
  }

  /** The event as the {@code data:} of an SSE message: one line of JSON. */
  public static String json(TrialEvent event) {
    return "{\"id\":"
        + event.id()
        + ",\"trialId\":"
        + event.trialId()
        + ",\"attempt\":"
        + event.attempt()
        + ",\"seq\":"
        + event.seq()
        + ",\"type\":\""
        + event.type().wireName()
        + "\",\"time\":\""
        + event.createdAt()
        + "\",\"payload\":"
        + event.payload()
        + "}";
  }

  @Override
  public void start() {
    running = true;
  }

  /** Ends every open stream, so that the web server's graceful shutdown does not wait on them. */
  @Override
  public void stop() {
    running = false;
    subscribers.forEach(Subscriber::end);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private final class Subscriber {

    private final String name;
    private final String caller;
    private final BooleanSupplier stillAllowed;
    private final Source source;
    private final SseEmitter emitter;
    private final AtomicBoolean closed = new AtomicBoolean();
    private long cursor;
    private Thread thread;

    Subscriber(
        String name,
        String caller,
        BooleanSupplier stillAllowed,
        Source source,
        long afterId,
        SseEmitter emitter) {
      this.name = name;
      this.caller = caller;
      this.stillAllowed = stillAllowed;
      this.source = source;
      this.cursor = afterId;
      this.emitter = emitter;
    }

    synchronized void start() {
      thread = Thread.ofVirtual().name("sse-" + name).start(this::run);
    }

    /** The client went away or the stream completed: stop the thread. */
    void close() {
      if (closed.compareAndSet(false, true)) {
        subscribers.remove(this);
        synchronized (this) {
          if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
          }
        }
      }
    }

    /** The server is stopping: complete the stream (the client reconnects elsewhere or later). */
    void end() {
      close();
      emitter.complete();
    }

    private void run() {
      // As if the last send were a keep-alive ago: a stream with nothing to send yet sends its
      // first keep-alive at once. Until something is sent the response's headers are not either,
      // and a client (EventSource, the CLI's watch) waited up to a keep-alive (15 s) for "open".
      long lastAllowed = System.nanoTime();
      long lastSent = lastAllowed - settings.keepAlive().toNanos();
      try {
        while (!closed.get()) {
          if (Duration.ofNanos(System.nanoTime() - lastAllowed).compareTo(settings.keepAlive())
              >= 0) {
            if (!stillAllowed.getAsBoolean()) {
              log.info("Event stream {} ended: {} may no longer read it", name, caller);
              close();
              emitter.complete();
              return;
            }
            lastAllowed = System.nanoTime();
          }
          long version = signals.version();
          boolean finished = source.finished();
          List<TrialEvent> page = source.after(cursor, settings.pageSize());
          for (TrialEvent event : page) {
            emitter.send(
                SseEmitter.event()
                    .id(Long.toString(event.id()))
                    .name(event.type().wireName())
                    .data(json(event)));
            cursor = event.id();
          }
          if (!page.isEmpty()) {
            lastSent = System.nanoTime();
          }
          if (page.size() == settings.pageSize()) {
            continue;
          }
          if (finished) {
            close();
            emitter.complete();
            return;
          }
          Duration idle = Duration.ofNanos(System.nanoTime() - lastSent);
          if (idle.compareTo(settings.keepAlive()) >= 0) {
            emitter.send(SseEmitter.event().comment("keep-alive"));
            lastSent = System.nanoTime();
          }
          signals.awaitAfter(version, settings.pollInterval());
        }
      } catch (IOException | IllegalStateException gone) {
        // The client disconnected (or the stream was completed meanwhile): nothing to tell it.
        log.debug("Event stream {} ended: {}", name, gone.toString());
        close();
      } catch (InterruptedException interrupted) {
        close();
      } catch (RuntimeException e) {
        log.warn("Event stream {} failed", name, e);
        close();
        emitter.completeWithError(e);
      }
    }
  }
}
