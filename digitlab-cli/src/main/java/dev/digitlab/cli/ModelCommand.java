package dev.digitlab.cli;

import dev.digitlab.ml.json.Json;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code digitlab model register|ls|promote|rollback|export}: the model registry over the API. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Register trained models, list them, and move their aliases.",
    subcommands = {
      ModelCommand.Register.class,
      ModelCommand.ListModels.class,
      ModelCommand.Promote.class,
      ModelCommand.Rollback.class,
      ModelCommand.Export.class,
      ModelCommand.Import.class
    })
final class ModelCommand implements Runnable {

  private static final ObjectMapper JSON = Json.mapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Name a subcommand: register, ls, promote, rollback, export or import.");
  }

  /** {@code digitlab model register TRIAL --name NAME}. */
  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = "Register a succeeded trial's model as the next version of a named model.")
  static final class Register implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "TRIAL", description = "The trial's id.")
    long trial;

    @Option(names = "--name", required = true, description = "The model's name, e.g. digits.")
    String name;

    @Option(names = "--description", description = "What this version is.")
    String description;

    @Option(
        names = "--force",
        description =
            "Register the trial even if it already is a version of this model (refused otherwise,"
                + " naming that version): the new version has the same weights.")
    boolean force;

    @Override
    public Integer call() {
      ObjectNode request = JSON.createObjectNode().put("trialId", trial);
      if (description != null) {
        request.put("description", description);
      }
      if (force) {
        request.put("force", true);
      }
      JsonNode v =
          server
              .client()
              .post("/api/v1/models/" + name + "/versions", request.toString(), "application/json");
      spec.commandLine()
          .getOut()
          .printf(
              "Registered trial %d as %s v%d (%s, test accuracy %s)%n",
              trial,
              name,
              v.path("version").asInt(),
              v.path("architecture").asString(),
              percent(v.path("testAccuracy")));
      return 0;
    }
  }

  /** {@code digitlab model ls [NAME]}. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "List models with their aliases, or one model's versions.")
  static final class ListModels implements Callable<Integer> {

    @Mixin ServerOption server;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "One model's versions.")
    String name;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      if (name == null) {
        JsonNode models = server.client().get("/api/v1/models");
        return output.print(
            models,
            out -> {
              String format = "%-24s %-9s %s%n";
              out.printf(format, "MODEL", "VERSIONS", "ALIASES");
              for (JsonNode m : models) {
                out.printf(
                    format,
                    m.path("name").asString(),
                    m.path("versions").size(),
                    aliases(m.path("aliases"), -1));
              }
            });
      }
      JsonNode m = server.client().get("/api/v1/models/" + name);
      return output.print(
          m,
          out -> {
            String format = "%-8s %-7s %-9s %-9s %-8s %-8s %s%n";
            out.printf(
                format, "VERSION", "ARCH", "ACCURACY", "STATUS", "TRIAL", "EXPER.", "ALIASES");
            for (JsonNode v : m.path("versions")) {
              out.printf(
                  format,
                  "v" + v.path("version").asInt(),
                  v.path("architecture").asString(),
                  percent(v.path("testAccuracy")),
                  v.path("status").asString().toLowerCase(Locale.ROOT),
                  v.path("trialId").asString("-"),
                  v.path("experimentId").asString("-"),
                  aliases(m.path("aliases"), v.path("version").asInt()));
            }
          });
    }

    private static String aliases(JsonNode aliases, int version) {
      StringBuilder text = new StringBuilder();
      for (JsonNode a : aliases) {
        if (version < 0 || a.path("version").asInt() == version) {
          text.append(text.isEmpty() ? "" : ", ").append(a.path("alias").asString());
          if (version < 0) {
            text.append("=v").append(a.path("version").asInt());
          }
        }
      }
      return text.toString();
    }
  }

  /** {@code digitlab model promote NAME VERSION [--alias production]}. */
  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = "Point an alias (default production) at a version; serving switches at once.")
  static final class Promote implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(index = "0", paramLabel = "NAME", description = "The model's name.")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The version number.")
    int version;

    @Option(
        names = "--alias",
        defaultValue = "production",
        description = "The alias to move (default: ${DEFAULT-VALUE}).")
    String alias;

    @Option(names = "--reason", description = "Why, for the audit log.")
    String reason;

    @Override
    public Integer call() {
      JsonNode a =
          server
              .client()
              .put(
                  "/api/v1/models/" + name + "/aliases/" + alias,
                  body("version", version, "reason", reason),
                  "application/json");
      spec.commandLine()
          .getOut()
          .printf("%s %s -> v%d%n", name, a.path("alias").asString(), a.path("version").asInt());
      return 0;
    }
  }

  /** {@code digitlab model rollback NAME [--alias production]}. */
  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Move an alias (default production) back to where its last move took it from.")
  static final class Rollback implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "NAME", description = "The model's name.")
    String name;

    @Option(
        names = "--alias",
        defaultValue = "production",
        description = "The alias to move back (default: ${DEFAULT-VALUE}).")
    String alias;

    @Override
    public Integer call() {
      JsonNode a =
          server.client().post("/api/v1/models/" + name + "/aliases/" + alias + "/rollback");
      spec.commandLine()
          .getOut()
          .printf(
              "%s %s rolled back to v%d%n",
              name, a.path("alias").asString(), a.path("version").asInt());
      return 0;
    }
  }

  /** {@code digitlab model export NAME VERSION --format onnx|dlm --out FILE}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Save a registered version's model file: ONNX (input 'pixels', float [N,1,28,28] of pixel"
              + " values 0-255; output 'logits', float [N,10]) or Digit Lab's own .dlm.")
  static final class Export implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(index = "0", paramLabel = "NAME", description = "The model's name.")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The version's number.")
    int version;

    @Option(
        names = "--format",
        defaultValue = "onnx",
        description = "onnx or dlm (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", required = true, description = "The file to write.")
    java.nio.file.Path out;

    @Override
    public Integer call() {
      if (!format.equals("onnx") && !format.equals("dlm")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--format is onnx or dlm; got '" + format + "'");
      }
      long bytes =
          server
              .client()
              .download(
                  "/api/v1/models/" + name + "/versions/" + version + "/download?format=" + format,
                  out,
                  name + "-v" + version + "." + format);
      spec.commandLine()
          .getOut()
          .printf("Saved %s v%d as %s (%s, %d bytes)%n", name, version, out, format, bytes);
      return 0;
    }
  }

  /** {@code digitlab model import NAME FILE.onnx}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description =
          "Register an ONNX model made elsewhere (PyTorch, scikit-learn, ...) as the next version"
              + " of a named model. It needs one float input of shape [N,1,28,28], [N,28,28] or"
              + " [N,784] (white ink on black, as MNIST) and a float output of shape [N,10]; the"
              + " server refuses other shapes, saying which it found.")
  static final class Import implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(index = "0", paramLabel = "NAME", description = "The model's name, e.g. digits.")
    String name;

    @Parameters(index = "1", paramLabel = "FILE", description = "The .onnx file.")
    java.nio.file.Path file;

    @Option(
        names = "--pixels",
        defaultValue = "0-255",
        description =
            "The pixel values the model was trained on: 0-255, 0-1 or mnist ((x/255-0.1307)/0.3081)"
                + " (default: ${DEFAULT-VALUE}).")
    String pixels;

    @Option(
        names = "--outputs",
        defaultValue = "logits",
        description = "What the output holds: logits or probabilities (default: ${DEFAULT-VALUE}).")
    String outputs;

    @Option(names = "--description", description = "What this version is.")
    String description;

    @Override
    public Integer call() {
      byte[] onnx = Uploads.read(spec.commandLine(), file);
      String query =
          "?pixels="
              + Uploads.query(pixels)
              + "&outputs="
              + Uploads.query(outputs)
              + (description == null ? "" : "&description=" + Uploads.query(description));
      JsonNode v =
          server
              .client()
              .post(
                  "/api/v1/models/" + name + "/versions/import" + query,
                  onnx,
                  "application/octet-stream");
      spec.commandLine()
          .getOut()
          .printf(
              "Imported %s as %s v%d (ONNX, %d bytes)%n",
              file, name, v.path("version").asInt(), onnx.length);
      return 0;
    }
  }

  /**
   * The JSON body of a registry request: a required field and an optional one, left out when the
   * user did not give it (the server then applies its default).
   */
  private static String body(String field, long value, String optional, String optionalValue) {
    ObjectNode body = JSON.createObjectNode().put(field, value);
    if (optionalValue != null) {
      body.put(optional, optionalValue);
    }
    return body.toString();
  }

  private static String percent(JsonNode value) {
    return value.isNumber() ? String.format(Locale.ROOT, "%.2f%%", value.asDouble() * 100) : "-";
  }
}
