package dev.digitlab.server.events;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.server.api.InvalidParameterException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;

/**
 * Reads an event batch, {@code {"attempt": n, "events": [TrialEvent, …]}} (plus {@code leaseToken}
 * from a remote worker), with one streaming pass over the body: no JSON tree, no data binding for
 * the metric points that make up nearly all of a batch. Every event is checked as {@link
 * dev.digitlab.protocol.event.TrialEvent} and its payload record check it (seq, time, type, metric
 * key syntax, log line length, …); a bad batch is a 400 naming the first bad event, one over {@code
 * maxBatch} events a 413, and either stores nothing.
 *
 * <p>A payload is stored as the JSON its record serialises to, as before: a metric point's is
 * written here directly, others (and any metric point in an unusual shape) go through Jackson.
 */
public final class EventBatchReader {

  // Jackson 3 parses doubles with its fast parser by default (correctly rounded, as
  // Double.parseDouble): every metric point carries a value, and the JDK's parser was a good part
  // of reading a batch on a server that had not compiled it yet.
  static final ObjectMapper JSON = Json.mapper();

  // Payloads are protocol records: a field the server does not know is refused, not dropped.
  private static final ObjectReader STRICT =
      JSON.reader().with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private EventBatchReader() {}

  /**
   * A read batch: the events to store, and each one's payload record (same order).
   *
   * @param leaseToken null unless the body had one
   */
  public record Batch(
      UUID leaseToken, int attempt, List<NewEvent> events, List<EventPayload> payloads) {}

  /**
   * Reads {@code body}; {@code leased} allows (and requires) a {@code leaseToken} field.
   *
   * @throws InvalidParameterException for a body that is not a valid batch (400)
   * @throws ErrorResponseException 413 for more than {@code maxBatch} events
   */
  public static Batch read(byte[] body, int maxBatch, boolean leased) {
    String known = leased ? "leaseToken, attempt, events" : "attempt, events";
    Fields fields = new Fields(maxBatch);
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidParameterException(
            "body",
            "must be a JSON object {"
                + (leased ? "\"leaseToken\": …, " : "")
                + "\"attempt\": n, \"events\": [...]}");
      }
      while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (name) {
          case "attempt" -> fields.attempt(parser, value);
          case "events" -> fields.events(parser, value, body);
          case "leaseToken" -> {
            if (leased) {
              fields.leaseToken(parser, value);
            } else {
              fields.unknown(name);
              parser.skipChildren();
            }
          }
          default -> {
            fields.unknown(name);
            parser.skipChildren();
          }
        }
      }
    } catch (JacksonException e) {
      throw new InvalidParameterException("body", "not valid JSON: " + e.getOriginalMessage());
    }
    return fields.batch(known, leased);
  }

  /** What the body said, checked once it has all been read, in a fixed order. */
  private static final class Fields {

    private final int maxBatch;
    private String unknown;
    private boolean attemptValid;
    private int attempt;
    private boolean leaseTokenSeen;
    private UUID leaseToken;
    private boolean eventsArray;
    private int eventCount;
    private List<NewEvent> events = List.of();
    private List<EventPayload> payloads = List.of();
    private InvalidParameterException badEvent;

    Fields(int maxBatch) {
      this.maxBatch = maxBatch;
    }

    void unknown(String name) {
      if (unknown == null) {
        unknown = name;
      }
    }

    void attempt(JsonParser parser, JsonToken value) {
      attemptValid =
          value == JsonToken.VALUE_NUMBER_INT
              && parser.getNumberType() == JsonParser.NumberType.INT
              && parser.getIntValue() >= 1;
      attempt = attemptValid ? parser.getIntValue() : 0;
      parser.skipChildren();
    }

    void leaseToken(JsonParser parser, JsonToken value) {
      leaseTokenSeen = true;
      leaseToken = null;
      if (value == JsonToken.VALUE_STRING) {
        try {
          leaseToken = UUID.fromString(parser.getString());
        } catch (IllegalArgumentException e) {
          // reported below, as a missing or malformed token
        }
      }
      parser.skipChildren();
    }

    void events(JsonParser parser, JsonToken value, byte[] body) {
      eventsArray = value == JsonToken.START_ARRAY;
      eventCount = 0;
      events = new ArrayList<>();
      payloads = new ArrayList<>();
      badEvent = null;
      if (!eventsArray) {
        parser.skipChildren();
        return;
      }
      TokenStreamContext list = parser.streamReadContext();
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        int index = eventCount++;
        if (eventCount > maxBatch || badEvent != null) {
          // Only counted: the batch is refused, but the answer says how many events it had.
          parser.skipChildren();
          continue;
        }
        try {
          EventReader event = new EventReader(parser, body);
          event.read();
          events.add(event.row());
          payloads.add(event.payload);
        } catch (BadEvent e) {
          badEvent = new InvalidParameterException("events[" + index + "]", e.getMessage());
          while (parser.streamReadContext() != list) {
            parser.nextToken();
          }
        }
      }
    }

    Batch batch(String known, boolean leased) {
      if (unknown != null) {
        throw new InvalidParameterException(unknown, "unknown field (known: " + known + ")");
      }
      if (leased && leaseToken == null) {
        throw new InvalidParameterException(
            "leaseToken", leaseTokenSeen ? "must be a UUID" : "is missing");
      }
      if (!attemptValid) {
        throw new InvalidParameterException("attempt", "must be a whole number of at least 1");
      }
      if (!eventsArray) {
        throw new InvalidParameterException("events", "must be a list of events");
      }
      if (eventCount > maxBatch) {
        throw tooLarge(maxBatch, eventCount);
      }
      if (badEvent != null) {
        throw badEvent;
      }
      return new Batch(leaseToken, attempt, events, payloads);
    }
  }

  /** The 413 for a batch of {@code events} events, over {@code maxBatch}. */
  static ErrorResponseException tooLarge(int maxBatch, int events) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.CONTENT_TOO_LARGE,
            "A batch may carry at most "
                + maxBatch
                + " events (digitlab.events.max-batch); this one has "
                + events
                + ". Send them in smaller batches.");
    problem.setTitle("Batch too large");
    problem.setProperty("maxEvents", maxBatch);
    return new ErrorResponseException(HttpStatus.CONTENT_TOO_LARGE, problem, null);
  }

  /**
   * True when {@code text} is an instant as {@link Instant#toString()} writes it, {@code
   * yyyy-MM-ddTHH:mm:ss[.fraction]Z}, with a real date (years 1000–9999) and time; false means "ask
   * {@link Instant#parse}", which knows every other form. Every event carries one, and
   * DateTimeFormatter's general parser was a tenth of the server's time during ingestion.
   */
  static boolean isInstant(String text) {
    int length = text.length();
    if (length < 20 || length > 30 || text.charAt(length - 1) != 'Z') {
      return false;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if (text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':'
        || year < 1000
        || month < 1
        || month > 12
        || day < 1
        || day > YearMonth.of(year, month).lengthOfMonth()
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      return false;
    }
    if (length == 20) {
      return true;
    }
    // A fraction of 1 to 9 digits.
    return text.charAt(19) == '.' && length >= 22 && digits(text, 20, length - 21) >= 0;
  }

  /** The number written by the {@code count} digits at {@code from}; -1 if any is not a digit. */
  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /** Why one event of the batch is not valid; becomes the 400's message for it. */
  private static final class BadEvent extends Exception {

    private static final long serialVersionUID = 1L;

    BadEvent(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * One event, read from its START_OBJECT to its END_OBJECT. A payload that comes before the
   * event's type, or a metric point in any but the plain shape, is kept as its span of the body and
   * read by Jackson afterwards, with the very rules the protocol's records have.
   */
  private static final class EventReader {

    private final JsonParser parser;
    private final byte[] body;
    private boolean seqSeen;
    private long seq;
    private String time;
    private EventType type;
    private boolean payloadSeen;
    private EventPayload payload;
    private String payloadJson;
    private int payloadStart = -1;
    private int payloadEnd;

    EventReader(JsonParser parser, byte[] body) {
      this.parser = parser;
      this.body = body;
    }

    void read() throws BadEvent {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        parser.skipChildren();
        throw new BadEvent("an event must be a JSON object");
      }
      TokenStreamContext event = parser.streamReadContext();
      while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (name) {
          case "seq" -> seq(value);
          case "time" -> time = text(value, "time");
          case "type" -> type(value);
          case "payload" -> payload(value, event);
          default ->
              throw new BadEvent(
                  "unknown event field '" + name + "' (known: seq, time, type, payload)");
        }
      }
      if (!seqSeen) {
        throw new BadEvent("event field 'seq' is missing");
      }
      if (type == null) {
        throw new BadEvent("event field 'type' is missing");
      }
      if (time == null) {
        throw new BadEvent("event field 'time' is missing");
      }
      if (!isInstant(time)) {
        try {
          Instant.parse(time);
        } catch (DateTimeParseException e) {
          throw new BadEvent("invalid event: " + e.getMessage());
        }
      }
      if (!payloadSeen) {
        throw new BadEvent("event field 'payload' is missing");
      }
      if (payload == null) {
        payload = bind(type, payloadStart, payloadEnd);
      }
      if (seq < 1) {
        throw new BadEvent("invalid event: seq must be at least 1, got " + seq);
      }
    }

    NewEvent row() throws BadEvent {
      if (payloadJson == null) {
        try {
          payloadJson = JSON.writeValueAsString(payload);
        } catch (JacksonException e) {
          throw new IllegalStateException("event payloads are plain records", e);
        }
      }
      return new NewEvent(seq, type, payloadJson);
    }

    private void seq(JsonToken value) throws BadEvent {
      if (value == JsonToken.VALUE_NULL) {
        return;
      }
      seqSeen = true;
      if (value == JsonToken.VALUE_NUMBER_INT
          && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        seq = parser.getLongValue();
        return;
      }
      if (value == JsonToken.VALUE_NUMBER_FLOAT) {
        // As Jackson's tree allows: 7.0 is the whole number 7.
        double number = parser.getDoubleValue();
        if (number == Math.rint(number) && Math.abs(number) < 0x1p63) {
          seq = (long) number;
          return;
        }
      }
      throw new BadEvent("event seq must be a whole number, got " + parser.getString());
    }

    private String text(JsonToken value, String field) throws BadEvent {
      if (value == JsonToken.VALUE_NULL) {
        return null;
      }
      if (value != JsonToken.VALUE_STRING) {
        parser.skipChildren();
        throw new BadEvent("invalid event: " + field + " must be a string");
      }
      return parser.getString();
    }

    private void type(JsonToken value) throws BadEvent {
      String name = text(value, "type");
      if (name == null) {
        return;
      }
      try {
        type = EventType.fromWireName(name);
      } catch (IllegalArgumentException e) {
        throw new BadEvent("invalid event: " + e.getMessage());
      }
    }

    private void payload(JsonToken value, TokenStreamContext event) throws BadEvent {
      payload = null;
      payloadJson = null;
      payloadSeen = value != JsonToken.VALUE_NULL;
      if (!payloadSeen) {
        return;
      }
      int start = (int) parser.currentTokenLocation().getByteOffset();
      if (type == EventType.METRIC && value == JsonToken.START_OBJECT && plainMetric()) {
        return;
      }
      // Not read yet, or only in part: on to the payload's end (back in the event's object),
      // then bound by Jackson.
      while (parser.streamReadContext() != event) {
        parser.nextToken();
      }
      payloadStart = start;
      payloadEnd = (int) parser.currentLocation().getByteOffset();
      if (type != null) {
        payload = bind(type, payloadStart, payloadEnd);
      }
    }

    /**
     * Reads a metric point that has exactly its four fields as a string and numbers (what every
     * producer sends); false, with the parser somewhere inside the payload, for anything else.
     */
    private boolean plainMetric() throws BadEvent {
      String key = null;
      double number = 0;
      long step = 0;
      int epoch = 0;
      int seen = 0;
      while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        int bit;
        switch (name) {
          case "key" -> {
            if (value != JsonToken.VALUE_STRING) {
              return false;
            }
            key = parser.getString();
            bit = 1;
          }
          case "value" -> {
            if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
              return false;
            }
            number = parser.getDoubleValue();
            bit = 2;
          }
          case "step" -> {
            if (value != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
              return false;
            }
            step = parser.getLongValue();
            bit = 4;
          }
          case "epoch" -> {
            if (value != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() != JsonParser.NumberType.INT) {
              return false;
            }
            epoch = parser.getIntValue();
            bit = 8;
          }
          default -> {
            return false;
          }
        }
        if ((seen & bit) != 0) {
          return false;
        }
        seen |= bit;
      }
      if (seen != 15) {
        return false;
      }
      MetricPoint point;
      try {
        point = new MetricPoint(key, number, step, epoch);
      } catch (IllegalArgumentException e) {
        throw new BadEvent("invalid metric payload: " + e.getMessage());
      }
      payload = point;
      payloadJson = MetricJson.of(point);
      return true;
    }

    private EventPayload bind(EventType type, int start, int end) throws BadEvent {
      try {
        return STRICT.forType(type.payloadType()).readValue(body, start, end - start);
      } catch (DatabindException e) {
        throw new BadEvent("invalid " + type.wireName() + " payload: " + e.getOriginalMessage());
      } catch (JacksonException e) {
        throw new BadEvent("invalid " + type.wireName() + " payload: " + e.getMessage());
      }
    }
  }
}
