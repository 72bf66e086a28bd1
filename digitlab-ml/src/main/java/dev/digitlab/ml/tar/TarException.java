package dev.digitlab.ml.tar;

import java.io.IOException;

/**
 * An archive this project refuses: damaged, over a limit, or holding an entry that could write
 * outside its folder. The message names the entry and says what is wrong with it.
 */
public class TarException extends IOException {

  private static final long serialVersionUID = 1L;

  public TarException(String message) {
    super(message);
  }
}
