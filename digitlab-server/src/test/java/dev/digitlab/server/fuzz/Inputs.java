package dev.digitlab.server.fuzz;

import dev.digitlab.server.fuzz.FuzzRequest.Caller;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The fuzzer's generator: from one seeded {@link Random}, requests that are mostly almost right
 * (valid ids and values with one thing wrong) and partly plain garbage, so that both the validation
 * and what lies behind it get exercised.
 */
final class Inputs {

  /** Requests no {@code java.net.http} client can send: written to a socket as they are. */
  static final List<String> RAW_REQUESTS =
      List.of(
          "GET /api/v1/experiments/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /api/v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /api/v1/experiments?q=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Content-Length: 99999\r\nConnection: close\r\n\r\n{\"name\"",
          "GET /api/v1/trials/1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
              + "Last-Event-ID: \u00ff\u00fe\r\nConnection: close\r\n\r\n",
          "BREW /api/v1/experiments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /api/v1/experiments HTTP/1.1\r\nHost: x\r\nX-Big: "
              + "h".repeat(20_000)
              + "\r\nConnection: close\r\n\r\n");

  private static final String[] ODD_SEGMENTS = {
    "0",
    "-1",
    "1",
    "2",
    "007",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "99999999999999999999999",
    "1.5",
    "1e3",
    "0x1F",
    "NaN",
    "Infinity",
    "true",
    "null",
    "abc",
    "%20",
    "%00",
    "..",
    "%2e%2e",
    "%2F",
    "%252F",
    "%3B",
    "%C3%A9",
    "%E2%80%AE",
    "%F0%9F%98%80",
    "%FF",
    "'%20OR%201%3D1--",
    "%3Cscript%3E",
    "~",
    "!",
    "$",
    "*",
    "(",
    ")",
    "model",
    "model.dlm",
    "checkpoint",
    "per-class.json",
    ".hidden",
    "..%2F..%2Fdb",
    "A".repeat(300),
    "9".repeat(3000)
  };

  private static final String[] ODD_VALUES = {
    "",
    "0",
    "-1",
    "1",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "1.5",
    "abc",
    "true",
    "null",
    " ",
    "%",
    "\u0000",
    "é",
    "😀",
    "' OR 1=1--",
    "<script>alert(1)</script>",
    "a,b,c",
    ",,,",
    "train_loss,",
    "NaN",
    "-0",
    "1e309",
    "x".repeat(3000),
    "\r\nX-Injected: 1"
  };

  private static final String[] ODD_CONTENT_TYPES = {
    "text/plain",
    "application/yaml",
    "application/xml",
    "text/html",
    "multipart/form-data; boundary=xyz",
    "application/x-www-form-urlencoded",
    "application/json; charset=bogus",
    "application/json; charset=UTF-16",
    "*/*",
    "garbage",
    "application/json;;;",
    "application/octet-stream"
  };

  private static final String[] ACCEPTS = {
    "application/json",
    "text/event-stream",
    "*/*",
    "text/html",
    "application/xml",
    "application/problem+json",
    "image/png",
    "garbage/",
    ""
  };

  private final Random random;
  private final Function<String, List<Long>> ids;

  Inputs(Random random, Function<String, List<Long>> ids) {
    this.random = random;
    this.ids = ids;
  }

  FuzzRequest request(Operation operation) {
    StringBuilder path = new StringBuilder(operation.path());
    StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
    Map<String, String> headers = new LinkedHashMap<>();
    for (Operation.Parameter parameter : operation.parameters()) {
      switch (parameter.in()) {
        case "path" -> replace(path, "{" + parameter.name() + "}", pathValue(operation, parameter));
        case "query" -> {
          if (random.nextInt(10) < 7) {
            query.add(encode(parameter.name()) + "=" + encode(queryValue(parameter)));
          }
        }
        case "header" -> {
          if (random.nextBoolean()) {
            headers.put(parameter.name(), headerSafe(queryValue(parameter)));
          }
        }
        default -> {}
      }
    }
    // Our API refuses a query parameter its handler does not read before the handler runs
    // (QueryParameterCheck): such requests are a share of their own (withUnknownParameter), so
    // that these reach the handlers. Other paths ignore what they do not read.
    if (!refusesUnknownParameters(operation) && random.nextInt(10) == 0) {
      query.add(encode(pick(ODD_VALUES)) + "=" + encode(pick(ODD_VALUES)));
    }
    // Mostly an Accept the operation can answer, so that requests get past content negotiation.
    headers.put("Accept", random.nextInt(10) < 7 ? "application/json, */*;q=0.5" : pick(ACCEPTS));
    if (random.nextInt(8) == 0) {
      headers.put("X-Correlation-Id", headerSafe(pick(ODD_VALUES)));
    }
    byte[] body = null;
    if (operation.takesBody() || random.nextInt(20) == 0) {
      body = body(operation);
      int choice = random.nextInt(10);
      if (choice < 7 && !operation.consumes().isEmpty()) {
        headers.put(
            "Content-Type", operation.consumes().get(random.nextInt(operation.consumes().size())));
      } else if (choice < 9) {
        headers.put("Content-Type", pick(ODD_CONTENT_TYPES));
      }
    }
    return new FuzzRequest(
        operation.path(),
        operation.method(),
        path + query.toString(),
        headers,
        body,
        caller(),
        null);
  }

  /** Whether requests to the operation with a query parameter it does not read are refused. */
  static boolean refusesUnknownParameters(Operation operation) {
    return operation.path().startsWith("/api/v1/");
  }

  /**
   * A request to an operation of our API ({@link #refusesUnknownParameters}) that would get past
   * authentication and content negotiation (the admin, existing ids, a body of a type it takes, an
   * Accept it answers) with one query parameter it does not read, an odd name: refused with the 400
   * "Unknown query parameter" problem naming it, whatever the rest of the request holds.
   */
  FuzzRequest withUnknownParameter(Operation operation) {
    StringBuilder path = new StringBuilder(operation.path());
    StringJoiner query = new StringJoiner("&", "?", "");
    List<String> known = new ArrayList<>();
    for (Operation.Parameter parameter : operation.parameters()) {
      known.add(parameter.name());
      switch (parameter.in()) {
        case "path" ->
            replace(path, "{" + parameter.name() + "}", knownPathValue(operation, parameter));
        case "query" -> {
          if (random.nextInt(10) < 7) {
            query.add(encode(parameter.name()) + "=" + encode(queryValue(parameter)));
          }
        }
        default -> {}
      }
    }
    String unknown;
    do {
      unknown = pick(ODD_VALUES);
    } while (unknown.isBlank() || unknown.length() > 100 || known.contains(unknown));
    query.add(encode(unknown) + "=1");
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "application/json, */*;q=0.5");
    byte[] body = null;
    if (operation.takesBody()) {
      body = body(operation);
      // Content negotiation (415) and a multipart body's parsing come before the check: the
      // type is one the operation takes, and a multipart body is well-formed, one part holding
      // the generated body. The document names no type where the handler reads the raw body:
      // the worker's artifact upload (PUT) takes octet-stream, those POSTs take JSON.
      String type =
          !operation.consumes().isEmpty()
              ? operation.consumes().get(random.nextInt(operation.consumes().size()))
              : operation.method().equals("PUT") ? "application/octet-stream" : "application/json";
      if (type.startsWith("multipart/form-data")) {
        type = "multipart/form-data; boundary=" + BOUNDARY;
        body = multipart(body);
      }
      headers.put("Content-Type", type);
    }
    return new FuzzRequest(
        operation.path(),
        operation.method(),
        path + query.toString(),
        headers,
        body,
        Caller.ADMIN,
        unknown);
  }

  private static final String BOUNDARY = "fuzz-boundary-7d1c";

  private static byte[] multipart(byte[] content) {
    byte[] head =
        ("--"
                + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fuzz\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] body = new byte[head.length + content.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(content, 0, body, head.length, content.length);
    System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
    return body;
  }

  private Caller caller() {
    int roll = random.nextInt(50);
    if (roll < 36) {
      return Caller.ADMIN;
    }
    if (roll < 40) {
      return Caller.USER;
    }
    return roll < 44 ? Caller.VIEWER : roll < 47 ? Caller.BAD_TOKEN : Caller.NOBODY;
  }

  private String pathValue(Operation operation, Operation.Parameter parameter) {
    if (random.nextBoolean()) {
      return pick(ODD_SEGMENTS);
    }
    return knownPathValue(operation, parameter);
  }

  /** An existing id where the path names a trial, experiment or token; else a plausible value. */
  private String knownPathValue(Operation operation, Operation.Parameter parameter) {
    String before =
        operation.path().substring(0, operation.path().indexOf("{" + parameter.name() + "}"));
    String table =
        before.endsWith("/trials/")
            ? "trial"
            : before.endsWith("/experiments/")
                ? "experiment"
                : before.endsWith("/tokens/") ? "api_token" : null;
    if (table != null) {
      List<Long> existing = ids.apply(table);
      if (!existing.isEmpty()) {
        return Long.toString(existing.get(random.nextInt(existing.size())));
      }
    }
    return parameter.name().equals("name")
        ? pick(
            new String[] {
              "model", "model.dlm", "checkpoint", "confusion-matrix", "per-class", "misclassified"
            })
        : Integer.toString(random.nextInt(12_000));
  }

  private String queryValue(Operation.Parameter parameter) {
    if (random.nextBoolean()) {
      return pick(ODD_VALUES);
    }
    if (!parameter.enumValues().isEmpty()) {
      return parameter.enumValues().get(random.nextInt(parameter.enumValues().size()));
    }
    return switch (parameter.name()) {
      case "sort" ->
          pick(
              new String[] {
                "created",
                "updated",
                "name",
                "best_objective",
                "bestTestAccuracy",
                "total_train_seconds"
              });
      case "order" -> pick(new String[] {"asc", "desc"});
      case "status" -> pick(new String[] {"queued", "running", "succeeded", "failed", "cancelled"});
      case "type" -> pick(new String[] {"metric", "log", "progress", "status", "artifact"});
      case "keys" -> pick(new String[] {"train_loss", "train_loss,test_accuracy", "val_accuracy"});
      default ->
          switch (parameter.type()) {
            case "integer", "number" -> Integer.toString(random.nextInt(2000) - 5);
            case "boolean" -> Boolean.toString(random.nextBoolean());
            default -> "fuzz";
          };
    };
  }

  private byte[] body(Operation operation) {
    String sample = sample(operation.path());
    String text =
        switch (random.nextInt(14)) {
          case 0, 1 -> sample;
          case 2, 3, 4 -> mutate(sample);
          case 5 -> randomJson(0);
          case 6 -> sample.substring(0, random.nextInt(sample.length() + 1));
          case 7 -> null;
          case 8 -> "";
          case 9 ->
              random.nextBoolean()
                  ? "[".repeat(5000)
                  : "{\"a\":".repeat(3000) + "1" + "}".repeat(3000);
          case 10 -> pick(YAML);
          case 11 ->
              "{\"name\":\"x\",\"name\":\"y\",\"s\":\"\\ud800\",\"n\":" + "9".repeat(2000) + "}";
          case 12 ->
              random.nextInt(8) == 0
                  ? "name: big\ndescription: " + "z".repeat(1_100_000) + "\n"
                  : mutate(sample);
          default ->
              sample.replace("1", pick(new String[] {"-1", "1e999", "\"1\"", "null", "[]", "{}"}));
        };
    if (text == null) {
      byte[] bytes = new byte[random.nextInt(2000)];
      random.nextBytes(bytes);
      return bytes;
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static final String[] YAML = {
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b]\n",
    "name: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://x/\"]]]]\n",
    "name: one\n---\nname: two\n",
    "name: x\n\tconfig: {}\n",
    "&a [*a]",
    "? [a, b]\n: c\n",
    "name: x\nconfig: {model: mlp, epochs: 1e12, batchSize: -5, learningRate: .nan}\n",
    "search: {type: random, samples: 999999999, parameters: {learningRate: {logUniform: [0, 1]}}}\nname: r\n",
    "name: x\nsearch: {type: grid, parameters: {batchSize: [" + "1,".repeat(400) + "1]}}\n",
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - -\n"
  };

  static String experiment(String name) {
    return "{\"name\": \""
        + name
        + "\", \"dataset\": \"mnist\", \"tags\": [\"fuzz\"], \"config\": {\"model\": \"mlp\","
        + " \"epochs\": 1, \"optimizer\": \"adam\", \"learningRate\": 0.01, \"trainSubset\": 100},"
        + " \"search\": {\"type\": \"grid\", \"parameters\": {\"batchSize\": [64, 128]}},"
        + " \"objective\": {\"metric\": \"test_f1_macro\", \"goal\": \"max\"}}";
  }

  static String eventBatch() {
    return "{\"attempt\": 1, \"events\": [{\"seq\": 1, \"time\": \"2026-01-02T03:04:05Z\","
        + " \"type\": \"metric\", \"payload\": {\"key\": \"train_loss\", \"value\": 0.5,"
        + " \"step\": 1, \"epoch\": 1}}, {\"seq\": 2, \"time\": \"2026-01-02T03:04:06Z\","
        + " \"type\": \"log\", \"payload\": {\"level\": \"INFO\", \"message\": \"hello\"}}]}";
  }

  private String sample(String path) {
    if (path.endsWith("/events")) {
      return eventBatch();
    }
    if (path.contains("/tokens")) {
      return "{\"role\": \"viewer\", \"name\": \"fuzz\"}";
    }
    if (path.endsWith("/clone")) {
      return "{\"name\": \"fuzz-clone\", \"config\": {\"epochs\": 2}}";
    }
    if (path.endsWith("/login")) {
      return "token=dlt_nope";
    }
    return experiment("fuzz-" + random.nextInt(1000));
  }

  /** The sample with one to three values swapped for something unexpected. */
  private String mutate(String sample) {
    String result = sample;
    for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
      String[] targets = {
        "\"mnist\"",
        "\"mlp\"",
        "\"adam\"",
        "0.01",
        "64",
        "\"grid\"",
        "1,",
        "\"metric\"",
        "\"train_loss\"",
        "\"viewer\"",
        "\"INFO\"",
        "2026-01-02T03:04:05Z",
        "\"max\"",
        "\"fuzz\"",
        "{",
        "[",
        "\"name\""
      };
      String target = pick(targets);
      result =
          result.replaceFirst(
              java.util.regex.Pattern.quote(target),
              java.util.regex.Matcher.quoteReplacement(randomJson(2)));
    }
    return result;
  }

  private String randomJson(int depth) {
    int kind = random.nextInt(depth > 4 ? 5 : 8);
    return switch (kind) {
      case 0 -> "null";
      case 1 -> Boolean.toString(random.nextBoolean());
      case 2 ->
          pick(
              new String[] {
                "0", "-1", "1e400", "-0.0", "9223372036854775808", "3.14", "1E-400", "42"
              });
      case 3 ->
          "\""
              + pick(
                  new String[] {
                    "", "x", "\\u0000", "é😀", "\\ud800", "../../etc", "' OR 1=1--", "a".repeat(500)
                  })
              + "\"";
      case 4 -> "\"" + random.nextInt() + "\"";
      case 5, 6 -> {
        StringJoiner object = new StringJoiner(",", "{", "}");
        for (int i = 0, n = random.nextInt(4); i < n; i++) {
          object.add(
              "\""
                  + pick(
                      new String[] {
                        "name", "config", "search", "attempt", "events", "role", "x", "seq", "type",
                        "payload"
                      })
                  + "\":"
                  + randomJson(depth + 1));
        }
        yield object.toString();
      }
      default -> {
        StringJoiner array = new StringJoiner(",", "[", "]");
        for (int i = 0, n = random.nextInt(4); i < n; i++) {
          array.add(randomJson(depth + 1));
        }
        yield array.toString();
      }
    };
  }

  private static void replace(StringBuilder path, String placeholder, String value) {
    int at = path.indexOf(placeholder);
    if (at >= 0) {
      path.replace(at, at + placeholder.length(), value);
    }
  }

  private static String headerSafe(String value) {
    return value.replaceAll("[\\r\\n\\x00]", "");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }
}
