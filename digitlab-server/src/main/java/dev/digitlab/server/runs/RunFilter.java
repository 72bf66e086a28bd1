package dev.digitlab.server.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A parsed MLflow search filter: clauses joined by {@code AND}, each {@code <entity>.<key> <op>
 * <value>} with the entity {@code metrics}, {@code params}, {@code tags} or {@code attributes}
 * (MLflow's singular and short forms too), keys optionally quoted with backquotes or double quotes,
 * and the operators {@code = != < <= > >= LIKE ILIKE IN NOT IN}. Metrics and the time attributes
 * compare as numbers, the rest as strings. One grammar for the MLflow API and the web UI's search
 * box. A search over runs ({@link #parseRunSearch}) also takes MLflow's {@code datasets.name},
 * {@code datasets.digest} and {@code datasets.context}.
 */
public record RunFilter(List<Clause> clauses) {

  /** The filter that keeps every run. */
  public static final RunFilter ALL = new RunFilter(List.of());

  public RunFilter {
    clauses = List.copyOf(clauses);
  }

  /** What a clause names. */
  public enum Entity {
    METRIC,
    PARAM,
    TAG,
    ATTRIBUTE,
    /** A dataset the run logged: {@code datasets.name}, {@code .digest}, {@code .context}. */
    DATASET
  }

  /** One comparison. {@code values} has one element except for IN and NOT IN. */
  public record Clause(Entity entity, String key, String op, List<String> values, Double number) {}

  private static final List<String> NUMERIC_ATTRIBUTES = List.of("start_time", "end_time");
  private static final List<String> STRING_ATTRIBUTES =
      List.of("run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage");

  private static final List<String> DATASET_KEYS = List.of("name", "digest", "context");

  /**
   * Parses {@code filter} over what has no datasets (experiments, models, an order); blank means
   * everything.
   */
  public static RunFilter parse(String filter) {
    return parse(filter, false);
  }

  /** Parses a search over runs, {@code datasets.*} clauses included; blank means every run. */
  public static RunFilter parseRunSearch(String filter) {
    return parse(filter, true);
  }

  private static RunFilter parse(String filter, boolean datasets) {
    if (filter == null || filter.isBlank()) {
      return ALL;
    }
    Tokens tokens = new Tokens(filter);
    List<Clause> clauses = new ArrayList<>();
    while (true) {
      clauses.add(clause(tokens, datasets));
      if (tokens.atEnd()) {
        return new RunFilter(clauses);
      }
      String and = tokens.word();
      if (!"and".equalsIgnoreCase(and)) {
        throw new InvalidFilterException(
            "Invalid filter '"
                + filter
                + "': expected AND between comparisons, got '"
                + and
                + "' (OR is not supported)");
      }
    }
  }

  private static Clause clause(Tokens tokens, boolean datasets) {
    Identifier identifier = identifier(tokens.identifier(), datasets);
    String op = tokens.operator();
    if (identifier.entity() == Entity.DATASET) {
      return datasetClause(identifier.key(), op, tokens);
    }
    boolean numeric =
        identifier.entity() == Entity.METRIC
            || identifier.entity() == Entity.ATTRIBUTE
                && NUMERIC_ATTRIBUTES.contains(identifier.key());
    if (op.equals("IN") || op.equals("NOT IN")) {
      if (numeric) {
        throw new InvalidFilterException(
            "Invalid filter: " + op + " applies to params, tags and string attributes only");
      }
      return new Clause(identifier.entity(), identifier.key(), op, tokens.list(), null);
    }
    if (numeric) {
      if (!List.of("=", "!=", "<", "<=", ">", ">=").contains(op)) {
        throw new InvalidFilterException(
            "Invalid comparator '" + op + "' for the number " + identifier.key());
      }
      String value = tokens.value();
      try {
        return new Clause(
            identifier.entity(), identifier.key(), op, List.of(value), Double.valueOf(value));
      } catch (NumberFormatException e) {
        throw new InvalidFilterException(
            "Expected a number to compare " + identifier.key() + " with, got '" + value + "'");
      }
    }
    if (!List.of("=", "!=", "LIKE", "ILIKE").contains(op)) {
      throw new InvalidFilterException(
          "Invalid comparator '"
              + op
              + "' for the string "
              + identifier.key()
              + " (use =, !=, LIKE, ILIKE, IN or NOT IN)");
    }
    if (!tokens.nextIsQuoted()) {
      throw new InvalidFilterException(
          "Expected a quoted string to compare " + identifier.key() + " with");
    }
    return new Clause(identifier.entity(), identifier.key(), op, List.of(tokens.value()), null);
  }

  /**
   * A {@code datasets.*} clause, refused as MLflow's SearchUtils refuses it, in its words
   * (INVALID_PARAMETER_VALUE): its comparators are {@code = != LIKE ILIKE IN NOT IN}, its values
   * quoted strings.
   */
  private static Clause datasetClause(String key, String op, Tokens tokens) {
    if (!List.of("!=", "=", "LIKE", "ILIKE", "IN", "NOT IN").contains(op)) {
      // MLflow's message, verbatim: without the quote after the set
      throw new InvalidFilterException(
          "Invalid comparator '"
              + op
              + "' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}");
    }
    if (op.equals("IN") || op.equals("NOT IN")) {
      return new Clause(Entity.DATASET, key, op, tokens.list(), null);
    }
    if (!tokens.nextIsQuoted()) {
      throw new InvalidFilterException(
          "Expected a quoted string value for dataset attributes. Got value " + tokens.value());
    }
    return new Clause(Entity.DATASET, key, op, List.of(tokens.value()), null);
  }

  private record Identifier(Entity entity, String key) {}

  private static Identifier identifier(String text, boolean datasets) {
    // A name without an entity is an attribute, as MLflow reads it: run_name = 'x',
    // status = 'FINISHED', order_by "start_time DESC", `Run name` LIKE 'fold-%'.
    boolean quoted = text.startsWith("`") || text.startsWith("\"");
    int dot = quoted ? -1 : text.indexOf('.');
    String prefix = dot < 0 ? "attributes" : text.substring(0, dot).toLowerCase(Locale.ROOT);
    String key = unquote(dot < 0 ? text : text.substring(dot + 1));
    Entity entity =
        switch (prefix) {
          case "metric", "metrics" -> Entity.METRIC;
          case "param", "params", "parameter", "parameters" -> Entity.PARAM;
          case "tag", "tags" -> Entity.TAG;
          case "attribute", "attributes", "attr", "run" -> Entity.ATTRIBUTE;
          case "dataset", "datasets" -> datasets ? Entity.DATASET : null;
          default -> null;
        };
    if (entity == null) {
      throw new InvalidFilterException(
          "Invalid entity type '"
              + prefix
              + (datasets
                  ? "': use metrics, params, tags, attributes or datasets"
                  : "': use metrics, params, tags or attributes"));
    }
    if (key.isEmpty()) {
      throw new InvalidFilterException("Invalid identifier '" + text + "': the key is empty");
    }
    if (entity == Entity.DATASET && !DATASET_KEYS.contains(key)) {
      // MLflow's message, verbatim
      throw new InvalidFilterException(
          "Invalid dataset key '"
              + key
              + "' specified. Valid keys are '{'name', 'digest', 'context'}'");
    }
    if (entity == Entity.ATTRIBUTE) {
      // MLflow's aliases (SearchUtils.translate_key_alias), which its UI's columns are named by
      key =
          switch (key) {
            case "run_uuid" -> "run_id";
            case "created", "Created" -> "start_time";
            case "run name", "Run name", "Run Name" -> "run_name";
            default -> key;
          };
      if (!NUMERIC_ATTRIBUTES.contains(key) && !STRING_ATTRIBUTES.contains(key)) {
        throw new InvalidFilterException(
            "Invalid attribute key '"
                + key
                + "': valid ones are "
                + String.join(", ", STRING_ATTRIBUTES)
                + ", "
                + String.join(", ", NUMERIC_ATTRIBUTES));
      }
    }
    return new Identifier(entity, key);
  }

  private static String unquote(String key) {
    if (key.length() >= 2
        && (key.startsWith("`") && key.endsWith("`")
            || key.startsWith("\"") && key.endsWith("\""))) {
      return key.substring(1, key.length() - 1);
    }
    return key;
  }

  /** Whether a run must be read with its datasets for this filter to judge it. */
  public boolean readsDatasets() {
    return clauses.stream().anyMatch(clause -> clause.entity() == Entity.DATASET);
  }

  /**
   * Whether the run passes every clause. A filter that {@link #readsDatasets} throws
   * IllegalStateException for a run read without them, rather than drop it unseen.
   */
  public boolean matches(Run run) {
    for (Clause clause : clauses) {
      if (!matches(clause, run)) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(Clause clause, Run run) {
    return switch (clause.entity()) {
      case METRIC -> {
        Run.LatestMetric metric = run.metrics().get(clause.key());
        yield metric != null && compare(metric.value(), clause.op(), clause.number());
      }
      case PARAM -> matchesString(run.params().get(clause.key()), clause);
      case TAG -> matchesString(run.tags().get(clause.key()), clause);
      case ATTRIBUTE -> {
        if (NUMERIC_ATTRIBUTES.contains(clause.key())) {
          Long time = clause.key().equals("start_time") ? run.startTime() : run.endTime();
          yield time != null && compare(time, clause.op(), clause.number());
        }
        yield matchesString(attribute(run, clause.key()), clause);
      }
      case DATASET -> matchesDataset(run, clause);
    };
  }

  /**
   * MLflow's server joins each dataset clause to the run's inputs on its own: a run passes it when
   * any of its datasets does, and two clauses may be passed by two different datasets. A dataset
   * without the value (an input without a context) passes no clause, != and NOT IN included, as in
   * SQL; a run without datasets passes none.
   */
  private static boolean matchesDataset(Run run, Clause clause) {
    if (run.datasets() == null) {
      throw new IllegalStateException(
          "Run " + run.id() + " was read without its datasets, which this filter compares");
    }
    for (RunDataset dataset : run.datasets()) {
      if (matchesString(dataset.get(clause.key()), clause)) {
        return true;
      }
    }
    return false;
  }

  /** A string attribute of the run, as search compares it. */
  static String attribute(Run run, String key) {
    return switch (key) {
      case "run_id" -> run.runId();
      case "run_name" -> run.name();
      case "status" -> run.status();
      case "user_id" -> run.user();
      case "lifecycle_stage" -> run.lifecycleStage();
      case "artifact_uri" ->
          "mlflow-artifacts:/" + run.experimentId() + "/" + run.id() + "/artifacts";
      default -> null;
    };
  }

  private static boolean compare(double actual, String op, double expected) {
    int order = Double.compare(actual, expected);
    // NaN is no number: it passes only !=, as in SQL, where MLflow's stores compare.
    if (Double.isNaN(actual) || Double.isNaN(expected)) {
      return op.equals("!=");
    }
    return switch (op) {
      case "=" -> order == 0;
      case "!=" -> order != 0;
      case "<" -> order < 0;
      case "<=" -> order <= 0;
      case ">" -> order > 0;
      case ">=" -> order >= 0;
      default -> false;
    };
  }

  private static boolean matchesString(String actual, Clause clause) {
    if (actual == null) {
      return false;
    }
    String expected = clause.values().getFirst();
    return switch (clause.op()) {
      case "=" -> actual.equals(expected);
      case "!=" -> !actual.equals(expected);
      case "LIKE" -> LikePattern.of(expected, false).matches(actual);
      case "ILIKE" -> LikePattern.of(expected, true).matches(actual);
      case "IN" -> clause.values().contains(actual);
      case "NOT IN" -> !clause.values().contains(actual);
      default -> false;
    };
  }

  /** The filter's words, quoted strings, operators and lists, left to right. */
  private static final class Tokens {
    private final String text;
    private int at;

    Tokens(String text) {
      this.text = Objects.requireNonNull(text);
    }

    private void skipSpace() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
        at++;
      }
    }

    boolean atEnd() {
      skipSpace();
      return at >= text.length();
    }

    private InvalidFilterException error(String expected) {
      return new InvalidFilterException(
          "Invalid filter '" + text + "': expected " + expected + " at position " + at);
    }

    /** An identifier: entity, dot, then a plain, backquoted or double-quoted key. */
    String identifier() {
      skipSpace();
      int start = at;
      while (at < text.length()) {
        char c = text.charAt(at);
        if (c == '`' || c == '"') {
          int end = text.indexOf(c, at + 1);
          if (end < 0) {
            throw error("a closing " + c);
          }
          at = end + 1;
        } else if (Character.isLetterOrDigit(c) || "_.-/:".indexOf(c) >= 0) {
          at++;
        } else {
          break;
        }
      }
      if (at == start) {
        throw error("an identifier such as metrics.rmse");
      }
      return text.substring(start, at);
    }

    String word() {
      skipSpace();
      int start = at;
      while (at < text.length() && Character.isLetter(text.charAt(at))) {
        at++;
      }
      if (at == start) {
        throw error("a word");
      }
      return text.substring(start, at);
    }

    String operator() {
      skipSpace();
      for (String symbol : List.of("<=", ">=", "!=", "=", "<", ">")) {
        if (text.startsWith(symbol, at)) {
          at += symbol.length();
          return symbol;
        }
      }
      if (at < text.length() && Character.isLetter(text.charAt(at))) {
        String word = word().toUpperCase(Locale.ROOT);
        if (word.equals("NOT")) {
          String next = word().toUpperCase(Locale.ROOT);
          if (next.equals("IN")) {
            return "NOT IN";
          }
          throw error("IN after NOT");
        }
        if (List.of("LIKE", "ILIKE", "IN").contains(word)) {
          return word;
        }
      }
      throw error("a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)");
    }

    boolean nextIsQuoted() {
      skipSpace();
      return at < text.length() && (text.charAt(at) == '\'' || text.charAt(at) == '"');
    }

    /** A quoted string, or a bare number. */
    String value() {
      skipSpace();
      if (nextIsQuoted()) {
        char quote = text.charAt(at);
        int end = text.indexOf(quote, at + 1);
        if (end < 0) {
          throw error("a closing " + quote);
        }
        String value = text.substring(at + 1, end);
        at = end + 1;
        return value;
      }
      int start = at;
      while (at < text.length()
          && (Character.isLetterOrDigit(text.charAt(at)) || "+-.".indexOf(text.charAt(at)) >= 0)) {
        at++;
      }
      if (at == start) {
        throw error("a value");
      }
      return text.substring(start, at);
    }

    /** ('a', 'b', …) */
    List<String> list() {
      skipSpace();
      if (at >= text.length() || text.charAt(at) != '(') {
        throw error("a list such as ('a', 'b')");
      }
      at++;
      List<String> values = new ArrayList<>();
      while (true) {
        if (!nextIsQuoted()) {
          throw error("a quoted string in the list");
        }
        values.add(value());
        skipSpace();
        if (at < text.length() && text.charAt(at) == ',') {
          at++;
        } else if (at < text.length() && text.charAt(at) == ')') {
          at++;
          return values;
        } else {
          throw error("',' or ')'");
        }
      }
    }
  }
}
