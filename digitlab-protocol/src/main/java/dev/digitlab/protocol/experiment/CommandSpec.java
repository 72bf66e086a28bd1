package dev.digitlab.protocol.experiment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * What a command experiment runs instead of a built-in model: a program, its arguments with {@code
 * {name}} placeholders for the trial's parameter values, the packed code it runs in, and its
 * parameters' base values (which the search varies).
 *
 * @param argv the program and its arguments as written, placeholders unfilled; never empty once
 *     checked
 * @param code where the code is: {@code sha256:<64 hex>} once uploaded (what the server stores); a
 *     directory relative to the file while the CLI has not packed it yet; null for none (the
 *     program is on the worker's PATH)
 * @param parameters each parameter's base value (text, number or true/false), in file order; a
 *     searched parameter needs none
 * @param timeoutSeconds an attempt fails once its program ran this long; 0 for no limit
 */
public record CommandSpec(
    List<String> argv, String code, Map<String, JsonNode> parameters, long timeoutSeconds) {

  /** A placeholder in an argument: {@code {alpha}}; {@code {{} and {@code }}} write braces. */
  public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{|}}|\\{([^{}]*)}");

  /** What a parameter name looks like: safe in an argument, a URL and an MLflow param key. */
  public static final Pattern PARAMETER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,99}");

  /** A code reference the server accepts: the SHA-256 of the packed code, in lower-case hex. */
  public static final Pattern CODE_HASH = Pattern.compile("sha256:([0-9a-f]{64})");

  public static final int MAX_ARGS = 256;
  public static final int MAX_ARG_LENGTH = 4096;
  public static final int MAX_PARAMETERS = 100;

  public CommandSpec {
    argv = List.copyOf(argv);
    Objects.requireNonNull(parameters, "parameters");
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException("timeoutSeconds must be ≥ 0, got " + timeoutSeconds);
    }
  }

  /** The SHA-256 (hex) of the uploaded code; null when there is none or it is not uploaded yet. */
  public String codeSha256() {
    if (code == null) {
      return null;
    }
    Matcher m = CODE_HASH.matcher(code);
    return m.matches() ? m.group(1) : null;
  }

  /** This command with another code reference (the CLI's, once it uploaded the directory). */
  public CommandSpec withCode(String newCode) {
    return new CommandSpec(argv, newCode, parameters, timeoutSeconds);
  }

  /** The parameter names the arguments' placeholders use, in order of first use. */
  public Set<String> placeholders() {
    Set<String> names = new LinkedHashSet<>();
    for (String arg : argv) {
      Matcher m = PLACEHOLDER.matcher(arg);
      while (m.find()) {
        if (m.group(1) != null) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  /**
   * The arguments with each placeholder replaced by the trial's value of that parameter: text as it
   * is, numbers as JSON writes them ({@code 0.1}, {@code 3}), booleans as {@code true}/{@code
   * false}.
   *
   * @param values the trial's parameter values (a stored command trial's config)
   * @throws IllegalArgumentException if a placeholder names a parameter the values lack
   */
  public List<String> argv(JsonNode values) {
    List<String> filled = new ArrayList<>(argv.size());
    for (String arg : argv) {
      Matcher m = PLACEHOLDER.matcher(arg);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String replacement;
        if (m.group(1) == null) {
          replacement = m.group().substring(1);
        } else {
          JsonNode value = values.get(m.group(1));
          if (value == null || value.isNull()) {
            throw new IllegalArgumentException("no value for the parameter {" + m.group(1) + "}");
          }
          replacement = text(value);
        }
        m.appendReplacement(out, Matcher.quoteReplacement(replacement));
      }
      m.appendTail(out);
      filled.add(out.toString());
    }
    return filled;
  }

  /** A parameter value as an argument or an MLflow param shows it. */
  public static String text(JsonNode value) {
    return value.isString() ? value.asString() : value.toString();
  }
}
