package dev.digitlab.protocol.experiment;

import dev.digitlab.protocol.experiment.ParameterDomain.Choice;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import tools.jackson.databind.JsonNode;

/**
 * The rules of a command experiment's own fields: its arguments, their placeholders, and the
 * parameters the placeholders and the search name. Paths are the file's ({@code command[2]}, {@code
 * parameters.alpha}, {@code search.parameters.alpha[1]}).
 */
final class CommandChecks {

  private CommandChecks() {}

  static List<FieldError> violations(CommandSpec command, SearchSpace search, Objective objective) {
    List<FieldError> errors = new ArrayList<>();
    List<String> argv = command.argv();
    if (argv.isEmpty()) {
      errors.add(
          new FieldError(
              "command", "must name a program, like [python3, train.py, --alpha, {alpha}]"));
    } else if (argv.size() > CommandSpec.MAX_ARGS) {
      errors.add(
          new FieldError(
              "command", "at most " + CommandSpec.MAX_ARGS + " arguments, got " + argv.size()));
    } else if (argv.getFirst().isBlank()) {
      errors.add(new FieldError("command[0]", "must name a program, not blank text"));
    }
    for (Map.Entry<String, JsonNode> entry : command.parameters().entrySet()) {
      String path = "parameters." + entry.getKey();
      if (!CommandSpec.PARAMETER.matcher(entry.getKey()).matches()) {
        errors.add(new FieldError(path, nameRule(entry.getKey())));
      } else if (!scalar(entry.getValue())) {
        errors.add(
            new FieldError(path, "must be text, a number or true/false, not " + entry.getValue()));
      }
    }
    if (command.parameters().size() > CommandSpec.MAX_PARAMETERS) {
      errors.add(
          new FieldError(
              "parameters",
              "at most "
                  + CommandSpec.MAX_PARAMETERS
                  + " parameters, got "
                  + command.parameters().size()));
    }
    Set<String> known = new LinkedHashSet<>(command.parameters().keySet());
    if (search != null) {
      for (SearchParameter parameter : search.parameters()) {
        known.add(parameter.field());
      }
    }
    for (int i = 0; i < argv.size() && i < CommandSpec.MAX_ARGS; i++) {
      String arg = argv.get(i);
      String path = "command[" + i + "]";
      if (arg.length() > CommandSpec.MAX_ARG_LENGTH) {
        errors.add(
            new FieldError(
                path,
                "must be at most "
                    + CommandSpec.MAX_ARG_LENGTH
                    + " characters, got "
                    + arg.length()));
        continue;
      }
      if (arg.indexOf('\0') >= 0) {
        errors.add(new FieldError(path, "must not hold a NUL character"));
        continue;
      }
      if (!onlyPlaceholders(arg)) {
        errors.add(
            new FieldError(
                path,
                "has an unmatched brace; write {name} for a parameter, {{ or }} for a brace"));
        continue;
      }
      Matcher m = CommandSpec.PLACEHOLDER.matcher(arg);
      while (m.find()) {
        String name = m.group(1);
        if (name != null && !known.contains(name)) {
          errors.add(
              new FieldError(
                  path,
                  "the placeholder {"
                      + name
                      + "} names no parameter; give it a value under parameters or vary it under"
                      + " search.parameters"
                      + ClosestName.hint(name, known)));
          break;
        }
      }
    }
    if (search != null) {
      for (SearchParameter parameter : search.parameters()) {
        String path = parameter.path();
        if (!CommandSpec.PARAMETER.matcher(parameter.field()).matches()) {
          errors.add(new FieldError(path, nameRule(parameter.field())));
        } else if (parameter.domain() instanceof Choice choice) {
          for (int i = 0; i < choice.values().size(); i++) {
            if (!scalar(choice.values().get(i))) {
              errors.add(
                  new FieldError(
                      path + "[" + i + "]",
                      "must be text, a number or true/false, not " + choice.values().get(i)));
            }
          }
        }
      }
    }
    return errors;
  }

  /** Whether every brace in {@code text} belongs to a placeholder or an escape. */
  private static boolean onlyPlaceholders(String text) {
    return CommandSpec.PLACEHOLDER
        .matcher(text)
        .replaceAll("")
        .chars()
        .noneMatch(c -> c == '{' || c == '}');
  }

  private static String nameRule(String name) {
    return "a parameter name is a letter or '_' then up to 99 letters, digits, '_', '.' or '-', got '"
        + name
        + "'";
  }

  static boolean scalar(JsonNode value) {
    return value != null && (value.isString() || value.isNumber() || value.isBoolean());
  }
}
