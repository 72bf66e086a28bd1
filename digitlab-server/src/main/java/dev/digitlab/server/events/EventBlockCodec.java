package dev.digitlab.server.events;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * The body of an event block ({@code trial_event_block.body}): the block's events' seqs and
 * payloads in stored order, packed so that ingestion writes one row per block instead of one per
 * event.
 *
 * <p>Layout: the event count, then per event the change of its seq from the previous event's (the
 * first from 0, zig-zag encoded so that a batch sent out of order still fits) and its payload's
 * UTF-8 length, all unsigned LEB128 varints, followed by the payload's bytes. Seqs come first in
 * each event so that {@link #seqs} can skip the payloads: the idempotency look-up of an append
 * needs only them.
 */
public final class EventBlockCodec {

  private EventBlockCodec() {}

  /** One event of a block as stored: its seq and its payload (JSON). */
  public record Entry(long seq, String payload) {}

  /** The body holding {@code events}, in their order. */
  public static byte[] encode(List<NewEvent> events) {
    return encode(events.size(), i -> events.get(i).seq(), i -> events.get(i).payload());
  }

  /** The body holding {@code entries}, in their order (as the V9 migration copies old events). */
  public static byte[] encodeEntries(List<Entry> entries) {
    return encode(entries.size(), i -> entries.get(i).seq(), i -> entries.get(i).payload());
  }

  private static byte[] encode(int count, IntToLongFunction seqOf, IntFunction<String> payloadOf) {
    byte[][] payloads = new byte[count][];
    int size = 5;
    for (int i = 0; i < count; i++) {
      payloads[i] = payloadOf.apply(i).getBytes(StandardCharsets.UTF_8);
      size += 10 + 5 + payloads[i].length;
    }
    Writer out = new Writer(size);
    out.varint(count);
    long previous = 0;
    for (int i = 0; i < count; i++) {
      long seq = seqOf.applyAsLong(i);
      out.varint(zigZag(seq - previous));
      previous = seq;
      out.varint(payloads[i].length);
      out.bytes(payloads[i]);
    }
    return out.result();
  }

  /** Every event of a body, in stored order. */
  public static List<Entry> decode(byte[] body) {
    return decode(body, 0, Integer.MAX_VALUE);
  }

  /**
   * Up to {@code max} events of a body from its {@code from}-th (0-based) on, in stored order: the
   * payloads of the events before it are skipped, not decoded (a stream reading on from the middle
   * of a block of thousands needs only the rest).
   */
  public static List<Entry> decode(byte[] body, int from, int max) {
    Reader in = new Reader(body);
    int count = Math.toIntExact(in.varint());
    int to = (int) Math.min(count, (long) from + max);
    List<Entry> entries = new ArrayList<>(Math.max(0, to - from));
    long seq = 0;
    for (int i = 0; i < to; i++) {
      seq += unZigZag(in.varint());
      int length = Math.toIntExact(in.varint());
      if (i < from) {
        in.skip(length);
      } else {
        entries.add(new Entry(seq, in.string(length)));
      }
    }
    if (to == count) {
      in.expectEnd();
    }
    return entries;
  }

  /** The seqs of a body's events, in stored order, without decoding the payloads. */
  public static long[] seqs(byte[] body) {
    Reader in = new Reader(body);
    int count = Math.toIntExact(in.varint());
    long[] seqs = new long[count];
    long seq = 0;
    for (int i = 0; i < count; i++) {
      seq += unZigZag(in.varint());
      seqs[i] = seq;
      in.skip(Math.toIntExact(in.varint()));
    }
    in.expectEnd();
    return seqs;
  }

  private static long zigZag(long value) {
    return (value << 1) ^ (value >> 63);
  }

  private static long unZigZag(long value) {
    return (value >>> 1) ^ -(value & 1);
  }

  private static final class Writer {
    private byte[] buffer;
    private int length;

    Writer(int capacity) {
      buffer = new byte[capacity];
    }

    void varint(long value) {
      ensure(10);
      while ((value & ~0x7FL) != 0) {
        buffer[length++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      buffer[length++] = (byte) value;
    }

    void bytes(byte[] bytes) {
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buffer, length, bytes.length);
      length += bytes.length;
    }

    private void ensure(int more) {
      if (length + more > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
      }
    }

    byte[] result() {
      return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
    }
  }

  private static final class Reader {
    private final byte[] buffer;
    private int position;

    Reader(byte[] buffer) {
      this.buffer = buffer;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (position >= buffer.length) {
          throw corrupt();
        }
        byte b = buffer[position++];
        value |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw corrupt();
    }

    String string(int length) {
      check(length);
      String value = new String(buffer, position, length, StandardCharsets.UTF_8);
      position += length;
      return value;
    }

    void skip(int length) {
      check(length);
      position += length;
    }

    private void check(int length) {
      if (length < 0 || length > buffer.length - position) {
        throw corrupt();
      }
    }

    void expectEnd() {
      if (position != buffer.length) {
        throw corrupt();
      }
    }

    private IllegalStateException corrupt() {
      return new IllegalStateException(
          "An event block's body is corrupt at byte " + position + " of " + buffer.length);
    }
  }
}
