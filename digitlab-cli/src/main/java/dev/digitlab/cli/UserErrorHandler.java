package dev.digitlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into one line a user can act on and a non-zero exit code. Our exceptions
 * carry messages written for users; the stack trace is only shown with {@code DIGITLAB_DEBUG=1}.
 */
final class UserErrorHandler implements IExecutionExceptionHandler {

  /** Exit code for a command that failed after its arguments were accepted. */
  static final int FAILED = 1;

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parseResult) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + message));
    if ("1".equals(System.getenv("DIGITLAB_DEBUG"))) {
      e.printStackTrace(cmd.getErr());
    }
    return FAILED;
  }
}
