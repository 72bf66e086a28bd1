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
 * Who may submit programs (command experiments, pipelines with a {@code command} step, their code):
 * admins and tokens granted {@code --can-run-commands}, or anyone when authentication is off
 * (anyone who can connect could then also delete everything anyway). Plain {@code user} tokens
 * never. The programs run only on workers whose operator allowed them ({@code --allow-commands}),
 * never in the server's own process.
 */
@Component
public class CommandPermission {

  private static final Logger log = LoggerFactory.getLogger(CommandPermission.class);

  private final boolean authEnabled;

  CommandPermission(AuthSettings auth) {
    this.authEnabled = auth.enabled();
  }

  /**
   * Refuses with a 403 problem naming the permission, unless this request may submit work that runs
   * a program on a worker (a command experiment, its code): an admin, a token created with {@code
   * --can-run-commands}, or anyone with authentication off. The server's own {@code
   * --allow-commands} is not asked: such programs run only on workers whose operator started them
   * with {@code --allow-commands}, never inside this server's process (its embedded worker runs
   * them only when allowed the same way).
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
