package dev.digitlab.server.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

/**
 * Who may run programs (pipeline {@code command} steps), which is shell access as the server's OS
 * user, with all it can read (the data home, the admin token): nobody unless the operator started
 * the server with {@code --allow-commands}; then admins and tokens granted {@code
 * --can-run-commands}, or anyone when authentication is off (anyone who can connect could then also
 * delete everything anyway). Plain {@code user} tokens never.
 */
@Component
public class CommandPermission {

  private static final Logger log = LoggerFactory.getLogger(CommandPermission.class);

  private final boolean allowed;
  private final boolean authEnabled;

  CommandPermission(CommandSettings commands, AuthSettings auth) {
    this.allowed = commands.allowed();
    this.authEnabled = auth.enabled();
  }

  /**
   * Refuses with a 403 problem saying how to get the permission, unless this request may run
   * programs. Call it before storing anything that would run one.
   */
  public void checkMayRunCommands(HttpServletRequest request) {
    if (!allowed) {
      log.warn("403: {} submitted a command step; this server runs none", who(request));
      throw new CommandsRefusedException(
          "This server runs no programs: a pipeline 'command' step would run as the server's OS"
              + " user, with access to its data and tokens. Its operator allows them with"
              + " 'digitlab server --allow-commands' (env DIGITLAB_ALLOW_COMMANDS=true, property"
              + " digitlab.commands.allowed=true); with authentication on, only admins and tokens"
              + " created with --can-run-commands may then submit one.");
    }
    if (!authEnabled) {
      return;
    }
    Optional<Caller> caller = Caller.of(request);
    if (caller.isPresent() && caller.get().mayRunCommands()) {
      return;
    }
    log.warn("403: {} may not run commands", who(request));
    throw new CommandsRefusedException(
        "Token '"
            + caller.map(Caller::name).orElse("?")
            + "' may not run programs (pipeline 'command' steps run as the server's OS user):"
            + " that needs an admin token, or a token an admin created with 'digitlab token"
            + " create --role user --can-run-commands'.");
  }

  /**
   * Refuses with a 403 problem naming the permission, unless this request may submit work that runs
   * a program on a worker (a command experiment, its code): an admin, a token created with {@code
   * --can-run-commands}, or anyone with authentication off. Unlike {@link #checkMayRunCommands} the
   * server's own {@code --allow-commands} is not asked: such programs run only on workers whose
   * operator started them with {@code --allow-commands}, never inside this server unless its
   * embedded worker was allowed the same way.
   */
  public void checkMaySubmitCommands(HttpServletRequest request, String what) {
    if (!authEnabled) {
      return;
    }
    Optional<Caller> caller = Caller.of(request);
    if (caller.isPresent() && caller.get().mayRunCommands()) {
      return;
    }
    log.warn("403: {} may not submit {}", who(request), what);
    throw new CommandsRefusedException(
        "Token '"
            + caller.map(Caller::name).orElse("?")
            + "' may not submit "
            + what
            + ": running programs needs the run-commands permission, which admins have and an"
            + " admin grants with 'digitlab token create --role user --can-run-commands'. The"
            + " program then runs on a worker started with 'digitlab worker --allow-commands'.");
  }

  /**
   * Whether this request may submit a command experiment ({@link #checkMaySubmitCommands} would let
   * it): for a page that says why before its form is sent.
   */
  public boolean maySubmitCommands(HttpServletRequest request) {
    return !authEnabled || Caller.of(request).map(Caller::mayRunCommands).orElse(false);
  }

  private static String who(HttpServletRequest request) {
    return Caller.of(request).map(Caller::toString).orElse("a request without a token");
  }

  /** A 403 problem: the caller, or the whole server, may not run programs. */
  static final class CommandsRefusedException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    CommandsRefusedException(String detail) {
      super(HttpStatus.FORBIDDEN, problem(detail), null);
    }

    private static ProblemDetail problem(String detail) {
      ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail);
      problem.setTitle("Running programs not allowed");
      problem.setProperty("permission", "run-commands");
      return problem;
    }
  }
}
