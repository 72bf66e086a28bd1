package dev.digitlab.ml.infer;

/** Image bytes refused by {@link ImageDecoder}, with the reason a caller maps to a response. */
public final class ImageRejectedException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Why the bytes were refused. */
  public enum Reason {
    /** More bytes than the limit. */
    TOO_LARGE,
    /** Declared dimensions over the pixel limit. */
    TOO_MANY_PIXELS,
    /** Not a PNG, JPEG or GIF. */
    NOT_AN_IMAGE,
    /** A known format whose data is broken. */
    MALFORMED,
    /**
     * More bits per sample than the limit (e.g. a 16-bit PNG): costly to decode, no digit needs it.
     */
    TOO_DEEP,
    /** Decoding took longer than the limit: given up. */
    TOO_SLOW
  }

  private final Reason reason;

  public ImageRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
