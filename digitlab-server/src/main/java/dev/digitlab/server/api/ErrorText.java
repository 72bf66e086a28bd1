package dev.digitlab.server.api;

import dev.digitlab.protocol.experiment.FieldError;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.TypeMismatchException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * What an error message may tell a client: the parsers' messages (Jackson's above all) name Java
 * types ({@code `java.lang.Integer`}, {@code `dev.digitlab.protocol.worker.LeaseRequest`}) and
 * reference chains, which say how the server is built and nothing the client can act on (issue 15,
 * finding 11). Every error body passes through {@link #scrub} on its way out; types become words.
 */
public final class ErrorText {

  /** A Java type as the parsers write it: in backticks, or a bare qualified name. */
  private static final Pattern TYPE =
      Pattern.compile(
          "`([\\w$.\\[\\]<>, ]+)`"
              + "|\\b((?:java|javax|jakarta|dev\\.digitlab|tools\\.jackson|com\\.fasterxml"
              + "|org\\.springframework|org\\.apache|ai\\.djl|org\\.h2|org\\.postgresql)"
              + "\\.[\\w$.]+)");

  /** Tails the parsers add that only point into the server's classes or its input buffer. */
  private static final Pattern TAILS =
      Pattern.compile(
          "\\s*(?:\\(through reference chain:[^)]*\\)|\\(for Object starting at[^)]*\\)"
              + "|at \\[Source:.*$|\\[Source:.*$)",
          Pattern.DOTALL);

  /** Jackson's "Cannot deserialize value of type `int` from String "x": not a valid …". */
  private static final Pattern WRONG_TYPE =
      Pattern.compile("Cannot deserialize value of type `([^`]+)` from ([^:]*)(?::[^\\n]*)?");

  /** A record's constructor refused the value: its own message follows. */
  private static final Pattern NOT_BUILT =
      Pattern.compile("Cannot construct instance of `[^`]+`,? (?:problem: )?");

  /** "Unrecognized property "x" (class `…`), not marked as ignorable". */
  private static final Pattern CLASS_OF =
      Pattern.compile("\\s*\\(class [^)]*\\)(?:, not marked as ignorable)?");

  private static final Map<String, String> WORDS =
      Map.ofEntries(
          Map.entry("int", "an integer"),
          Map.entry("integer", "an integer"),
          Map.entry("long", "an integer"),
          Map.entry("short", "an integer"),
          Map.entry("byte", "an integer"),
          Map.entry("biginteger", "an integer"),
          Map.entry("double", "a number"),
          Map.entry("float", "a number"),
          Map.entry("bigdecimal", "a number"),
          Map.entry("number", "a number"),
          Map.entry("boolean", "true or false"),
          Map.entry("string", "a string"),
          Map.entry("char", "a character"),
          Map.entry("character", "a character"),
          Map.entry("list", "a list"),
          Map.entry("arraylist", "a list"),
          Map.entry("collection", "a list"),
          Map.entry("set", "a list"),
          Map.entry("map", "an object"),
          Map.entry("linkedhashmap", "an object"),
          Map.entry("hashmap", "an object"),
          Map.entry("objectnode", "an object"),
          Map.entry("arraynode", "a list"),
          Map.entry("jsonnode", "a JSON value"),
          Map.entry("instant", "a time (ISO 8601)"),
          Map.entry("duration", "a duration"),
          Map.entry("uuid", "a UUID"),
          Map.entry("path", "a path"),
          Map.entry("uri", "a URI"));

  private ErrorText() {}

  /**
   * A path or query value of the wrong type in words: the parameter and, e.g., {@code expected an
   * integer, got 'abc'} (Spring's were "Failed to convert 'id' with value: 'abc'"); null when
   * Spring did not say which parameter.
   */
  public static FieldError typeMismatch(TypeMismatchException e) {
    String name =
        e instanceof MethodArgumentTypeMismatchException argument
            ? argument.getName()
            : e.getPropertyName();
    if (name == null) {
      return null;
    }
    String expected =
        e.getRequiredType() == null
            ? "a valid value"
            : scrub("`" + e.getRequiredType().getName() + "`");
    return new FieldError(name, "expected " + expected + ", got '" + e.getValue() + "'");
  }

  /** {@code message} without Java type names: each becomes what it means to a client. */
  public static String scrub(String message) {
    if (message == null || message.isEmpty()) {
      return message;
    }
    String text = TAILS.matcher(message).replaceAll("");
    text = WRONG_TYPE.matcher(text).replaceAll(r -> "expected " + word(r.group(1)) + ", got $2");
    text = NOT_BUILT.matcher(text).replaceAll("invalid value: ");
    text = CLASS_OF.matcher(text).replaceAll("");
    Matcher m = TYPE.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      String type = m.group(1) != null ? m.group(1) : m.group(2);
      m.appendReplacement(out, Matcher.quoteReplacement(word(type)));
    }
    m.appendTail(out);
    return out.toString().strip();
  }

  private static String word(String type) {
    String name = type.strip();
    boolean array = name.endsWith("[]");
    int generic = name.indexOf('<');
    if (generic >= 0) {
      name = name.substring(0, generic);
    }
    name = name.replace("[]", "");
    String simple = name.substring(name.lastIndexOf('.') + 1);
    int nested = simple.lastIndexOf('$');
    if (nested >= 0) {
      simple = simple.substring(nested + 1);
    }
    String word = WORDS.get(simple.toLowerCase(Locale.ROOT));
    if (array || generic >= 0 && word == null) {
      return "a list";
    }
    if (word != null) {
      return word;
    }
    return Character.isUpperCase(simple.isEmpty() ? 'a' : simple.charAt(0)) || name.contains(".")
        ? "an object"
        : "a value";
  }
}
