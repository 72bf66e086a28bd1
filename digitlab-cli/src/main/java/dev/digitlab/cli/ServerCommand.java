package dev.digitlab.cli;

import dev.digitlab.server.DigitLabServer;
import dev.digitlab.server.security.BootstrapAdmin;
import dev.digitlab.server.security.ExposureCheck;
import dev.digitlab.worker.run.TrainingThreads;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code digitlab server}: runs the tracking server until it is stopped (Ctrl-C, SIGTERM). */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Start the tracking server: the REST API under /api/v1, Swagger UI, health and metrics.",
      "Its database is an H2 file under the data home unless --database-url names another."
    })
final class ServerCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "${env:DIGITLAB_PORT:-8080}",
      description = "Port to listen on; 0 picks a free one (default: $DIGITLAB_PORT, else 8080).")
  int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "${env:DIGITLAB_BIND:-127.0.0.1}",
      description =
          "Address to listen on; 0.0.0.0 for every interface (default: $DIGITLAB_BIND, else"
              + " 127.0.0.1: this machine only).")
  String bind;

  @Mixin HomeOption home;

  @Option(
      names = "--database-url",
      paramLabel = "JDBC_URL",
      defaultValue = "${env:DIGITLAB_DATABASE_URL}",
      description =
          "JDBC URL of the database, e.g. jdbc:postgresql://host:5432/digitlab?user=u&password=p"
              + " (default: $DIGITLAB_DATABASE_URL, else an H2 file in <home>/db).")
  String databaseUrl;

  @Option(
      names = "--worker-slots",
      paramLabel = "N",
      defaultValue = "${env:DIGITLAB_WORKER_SLOTS:-1}",
      description =
          "Trials the embedded worker runs at once; 0 = none, for remote workers only (default:"
              + " $DIGITLAB_WORKER_SLOTS, else 1).")
  int workerSlots;

  @Option(
      names = "--auth",
      negatable = true,
      defaultValue = "${env:DIGITLAB_AUTH:-false}",
      fallbackValue = "true",
      description =
          "Require an API token (API) or a login (browser) for every request; the first start"
              + " writes an admin token to <home>/admin-token (default: $DIGITLAB_AUTH, else off)."
              + " Needed to --bind to anything but a loopback address.")
  boolean auth;

  @Option(
      names = "--insecure",
      defaultValue = "${env:DIGITLAB_INSECURE:-false}",
      description =
          "Listen on a non-loopback --bind address without authentication: anyone who can reach"
              + " the port can submit, read and delete experiments (default: $DIGITLAB_INSECURE,"
              + " else false).")
  boolean insecure;

  @Option(
      names = "--allow-commands",
      defaultValue = "${env:DIGITLAB_ALLOW_COMMANDS:-false}",
      description =
          "Let this server's embedded worker run command trials (command experiments and"
              + " pipeline command steps) in this host, as its OS user. Off: they wait for a"
              + " worker started with 'digitlab worker --allow-commands' (default:"
              + " $DIGITLAB_ALLOW_COMMANDS, else false).")
  boolean allowCommands;

  @Option(
      names = "--allowed-hosts",
      paramLabel = "HOSTS",
      defaultValue = "${env:DIGITLAB_ALLOWED_HOSTS}",
      description =
          "Extra host names the server answers to, comma-separated (besides localhost, 127.0.0.1,"
              + " ::1 and the --bind address, or this machine's names when bound to every"
              + " interface); '*' turns the check off. Guards against DNS rebinding (default:"
              + " $DIGITLAB_ALLOWED_HOSTS, else none).")
  String allowedHosts;

  /**
   * A port taken by another program, said as what to do. Spring's own last word, the exception the
   * user's terminal ends with, was "Failed to start bean 'webServerStartStop'"; its failure
   * analysis above it speaks of configuring "this application", not of --port.
   */
  private java.util.Optional<RuntimeException> portInUse(RuntimeException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof org.springframework.boot.web.server.PortInUseException inUse) {
        return java.util.Optional.of(
            new IllegalStateException(
                "Port "
                    + inUse.getPort()
                    + " is in use by another program: stop it, or start on another port with"
                    + " --port N (or DIGITLAB_PORT; 0 picks a free one)."));
      }
    }
    return java.util.Optional.empty();
  }

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--port must be between 0 and 65535, got " + port);
    }
    if (workerSlots < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--worker-slots must be 0 or more, got " + workerSlots);
    }
    var refusal = ExposureCheck.refusal(bind, auth, insecure, home.dataHome().path().toString());
    if (refusal.isPresent()) {
      throw new CommandLine.ParameterException(spec.commandLine(), refusal.get());
    }
    // Only once the server will start: the property is the whole JVM's, and a refused command run
    // in-process (the CLI's tests) would leave it to every later trainer there.
    TrainingThreads.shareCores(workerSlots);
    SpringApplication application = new SpringApplication(DigitLabServer.class);
    application.setBannerMode(Banner.Mode.OFF);
    application.setMainApplicationClass(DigitLabServer.class);
    CountDownLatch stopped = new CountDownLatch(1);
    application.addListeners(
        event -> {
          if (event instanceof ContextClosedEvent) {
            stopped.countDown();
          }
        });
    // As command-line arguments they outrank application.properties (default properties do not).
    ConfigurableApplicationContext context;
    try {
      context = application.run(springArguments());
    } catch (RuntimeException e) {
      throw portInUse(e).orElseThrow(() -> e);
    }
    String actualPort = context.getEnvironment().getProperty("local.server.port", "" + port);
    String host = bind.equals("0.0.0.0") || bind.equals("::") ? "localhost" : bind;
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    String url = "http://" + host + ":" + actualPort;
    PrintWriter out = spec.commandLine().getOut();
    out.println("Digit Lab server is running; open " + url + "/");
    out.println(
        "  API: "
            + url
            + "/api/v1/experiments (try it: "
            + url
            + "/swagger-ui.html)   health: "
            + url
            + "/actuator/health");
    // With --server when the client commands would go elsewhere by default: a server started
    // with --port 18700 printed a command that then could not reach it (or reached another).
    out.println(
        "  submit an experiment: digitlab submit"
            + ServerOption.optionUnlessDefault(url)
            + " examples/grid-lr-batch.yaml");
    if (auth) {
      out.println(
          "  authentication is on: send a token (--token, DIGITLAB_TOKEN) or log in at "
              + url
              + "/login");
      out.println(
          context
              .getBean(BootstrapAdmin.class)
              .written()
              .map(file -> "  a new admin token was written to " + file)
              .orElse(
                  "  an admin token exists already: no admin-token file was written (use your"
                      + " admin token; revoke every admin token to get a new file)"));
    }
    if (allowCommands) {
      out.println(
          "  --allow-commands: the embedded worker runs command trials here as this user"
              + (auth
                  ? " (admins and tokens with --can-run-commands submit them)"
                  : " (for anyone)"));
    }
    out.println("Stop it with Ctrl-C.");
    out.flush();
    stopped.await();
    return 0;
  }

  private String[] springArguments() {
    List<String> arguments = new ArrayList<>();
    arguments.add("--server.port=" + port);
    arguments.add("--server.address=" + bind);
    arguments.add("--digitlab.home=" + home.dataHome().path());
    arguments.add("--digitlab.worker.slots=" + workerSlots);
    arguments.add("--digitlab.auth.enabled=" + auth);
    arguments.add("--digitlab.auth.insecure=" + insecure);
    arguments.add("--digitlab.commands.allowed=" + allowCommands);
    if (allowedHosts != null && !allowedHosts.isBlank()) {
      arguments.add("--digitlab.allowed-hosts=" + allowedHosts);
    }
    if (databaseUrl != null && !databaseUrl.isBlank()) {
      arguments.add("--spring.datasource.url=" + databaseUrl);
    }
    return arguments.toArray(String[]::new);
  }
}
