package dev.digitlab.protocol.experiment;

import java.util.Locale;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads a YAML or JSON document into a tree under {@link ExperimentLimits}, turning every syntax
 * problem into a {@link FieldError} with its line and column.
 *
 * <p>The tree is built token by token rather than by Jackson's {@code readTree} because Jackson's
 * YAML parser does not expand aliases: it hands back the anchor's name as a string, so {@code *a}
 * would silently become the text "a". Aliases are refused instead, which also makes a
 * billion-laughs document fail at its first alias. SnakeYAML Engine (Jackson 3's YAML parser) has
 * no nesting limit of its own for the event stream Jackson reads, so depth is counted here.
 */
final class DocumentParser {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ExperimentLimits limits;
  private final JsonFactory json;
  private final YAMLFactory yaml;

  DocumentParser(ExperimentLimits limits) {
    this.limits = limits;
    StreamReadConstraints constraints =
        StreamReadConstraints.builder()
            .maxNestingDepth(limits.maxNestingDepth() + 1)
            .maxDocumentLength(limits.maxDocumentBytes())
            .maxStringLength(limits.maxDocumentBytes())
            .build();
    LoadSettings loader =
        LoadSettings.builder()
            .setCodePointLimit(limits.maxDocumentBytes())
            // These two act only if a SnakeYAML composer ever builds the node graph; kept as a
            // second line of defence should Jackson start resolving aliases.
            .setMaxAliasesForCollections(10)
            .setAllowRecursiveKeys(false)
            .build();
    this.json = JsonFactory.builder().streamReadConstraints(constraints).build();
    this.yaml =
        YAMLFactory.builder()
            .loadSettings(loader)
            .streamReadConstraints(constraints)
            // Duplicates are found by readObject, which says where and what to fix.
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
  }

  /** The document's tree; its root is whatever the document holds (checked by the caller). */
  JsonNode parse(String text, FileFormat hint) {
    int bytes = utf8Length(text);
    if (bytes > limits.maxDocumentBytes()) {
      throw tooLarge(Integer.toString(bytes));
    }
    FileFormat format = hint.resolve(text);
    String syntax = format == FileFormat.JSON ? "JSON" : "YAML";
    try (JsonParser parser =
        format == FileFormat.JSON
            ? json.createParser(ObjectReadContext.empty(), text)
            : yaml.createParser(ObjectReadContext.empty(), text)) {
      if (parser.nextToken() == null) {
        throw invalid("the document is empty: an experiment needs at least a name");
      }
      JsonNode root = readValue(parser, 1);
      if (parser.nextToken() != null) {
        throw invalid(
            at(parser.currentTokenLocation())
                + "a second document follows the first; submit one experiment per file");
      }
      return root;
    } catch (MarkedYamlEngineException e) {
      throw invalid(yamlProblem(e));
    } catch (JacksonException e) {
      if (e.getCause() instanceof MarkedYamlEngineException marked) {
        throw invalid(yamlProblem(marked));
      }
      throw invalid(
          "malformed "
              + syntax
              + " "
              + at(e.getLocation())
              + e.getOriginalMessage()
              + "; check the "
              + syntax
              + " syntax there");
    } catch (YamlEngineException e) {
      throw invalid("malformed YAML: " + e.getMessage());
    }
  }

  InvalidExperimentException tooLarge(String bytes) {
    return invalid(
        "the document is "
            + bytes
            + " bytes; the limit is "
            + limits.maxDocumentBytes()
            + " bytes (an experiment file is usually under 2 KB)");
  }

  private JsonNode readValue(JsonParser parser, int depth) {
    if (parser instanceof YAMLParser yamlParser && yamlParser.isCurrentAlias()) {
      throw invalid(
          at(parser.currentTokenLocation())
              + "YAML aliases (*"
              + parser.getString()
              + ") are not supported in experiment files; write the value out in full");
    }
    JsonToken token = parser.currentToken();
    if ((token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)
        && depth > limits.maxNestingDepth()) {
      throw invalid(
          at(parser.currentTokenLocation())
              + "nested deeper than "
              + limits.maxNestingDepth()
              + " levels; an experiment file needs far fewer");
    }
    return switch (token) {
      case START_OBJECT -> readObject(parser, depth);
      case START_ARRAY -> readArray(parser, depth);
      case VALUE_STRING -> NODES.stringNode(parser.getString());
      case VALUE_NUMBER_INT ->
          switch (parser.getNumberType()) {
            case INT -> NODES.numberNode(parser.getIntValue());
            case LONG -> NODES.numberNode(parser.getLongValue());
            default -> NODES.numberNode(parser.getBigIntegerValue());
          };
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE -> NODES.booleanNode(true);
      case VALUE_FALSE -> NODES.booleanNode(false);
      case VALUE_NULL -> NODES.nullNode();
      default ->
          throw invalid(
              at(parser.currentTokenLocation())
                  + "unsupported value ("
                  + token
                  + "); use text, numbers, true/false, lists and mappings");
    };
  }

  private ObjectNode readObject(JsonParser parser, int depth) {
    ObjectNode object = NODES.objectNode();
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      TokenStreamLocation location = parser.currentTokenLocation();
      parser.nextToken();
      JsonNode value = readValue(parser, depth + 1);
      if (object.has(name)) {
        // Jackson would keep the last one silently; a duplicate is almost always a mistake.
        throw invalid(at(location) + "the field '" + name + "' appears twice in the same mapping");
      }
      object.set(name, value);
    }
    return object;
  }

  private ArrayNode readArray(JsonParser parser, int depth) {
    ArrayNode array = NODES.arrayNode();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      array.add(readValue(parser, depth + 1));
    }
    return array;
  }

  private static String yamlProblem(MarkedYamlEngineException e) {
    Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
    StringBuilder message = new StringBuilder("malformed YAML ");
    if (mark != null) {
      message.append(position(mark.getLine() + 1, mark.getColumn() + 1));
    }
    String problem = e.getProblem() == null ? e.getContext() : e.getProblem();
    message.append(problem == null ? "unreadable YAML" : problem.strip());
    Mark context = e.getContextMark().orElse(null);
    if (e.getContext() != null && e.getProblem() != null && context != null) {
      message
          .append(" (")
          .append(e.getContext().strip())
          .append(" that starts at line ")
          .append(context.getLine() + 1)
          .append(", column ")
          .append(context.getColumn() + 1)
          .append(')');
    }
    message.append("; ").append(yamlHint(problem == null ? "" : problem));
    return message.toString();
  }

  /** What usually fixes the problem SnakeYAML names. */
  private static String yamlHint(String problem) {
    String p = problem.toLowerCase(Locale.ROOT);
    if (p.contains("mapping values are not allowed")) {
      return "quote a value that contains ': ', or fix the indentation of this line";
    }
    if (p.contains("expected ',' or ']'")) {
      return "close the list with ']' or separate its items with ','";
    }
    if (p.contains("expected ',' or '}'")) {
      return "close the mapping with '}' or separate its entries with ','";
    }
    if (p.contains("could not find expected ':'")) {
      return "write each field as 'key: value' with a space after the colon";
    }
    if (p.contains("\\t") || p.contains("tab")) {
      return "indent with spaces; YAML does not allow tabs";
    }
    if (p.contains("found unexpected end of stream") || p.contains("quoted scalar")) {
      return "close the quote that starts here";
    }
    return "check the indentation, the ': ' after each key and that brackets and quotes close";
  }

  private static String at(TokenStreamLocation location) {
    return location == null || location.getLineNr() < 1
        ? ""
        : position(location.getLineNr(), location.getColumnNr());
  }

  private static String position(int line, int column) {
    return "at line " + line + ", column " + column + ": ";
  }

  private static InvalidExperimentException invalid(String message) {
    return new InvalidExperimentException(new FieldError("", message));
  }

  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
